/** Flags after which `run` forks no worker processes (one agent in-process, or no run at all). */
const NO_FORK = ['--help', '-h', '--single', '--in-place', '--version'];

/**
 * How many workers `run` may fork before its options are parsed: N for `run --agents N` (or `--agents=N`),
 * else 0 (the count then comes from the config file, known only later). Pure: reads the arguments alone.
 */
export function earlyWorkers(argv: readonly string[]): number {
  if (argv[0] !== 'run' || argv.some((a) => NO_FORK.includes(a))) return 0;
  const at = argv.findIndex((a) => a === '--agents' || a.startsWith('--agents='));
  if (at < 0) return 0;
  const text = argv[at]!.includes('=') ? argv[at]!.slice('--agents='.length) : argv[at + 1];
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : 0;
}
