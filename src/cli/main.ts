#!/usr/bin/env node
import { EXIT } from '../errors.js';
import { exitFor } from './exit-codes.js';
import { commands } from './commands/index.js';
import { earlyWorkers } from './early-workers.js';

async function main(argv: string[]): Promise<number> {
  const early = earlyWorkers(argv);
  if (early === 0) return parse(argv);
  // `run --agents N` forks its workers before yargs and the command's module load: a worker takes longer to
  // load than the run's own checks, so each millisecond sooner is one the first claim does not wait for.
  // `run` tops the spares up or ends the extra ones once the options are known.
  const spares = await import('../supervisor/worker-process.js');
  spares.prewarmWorkers(early);
  try {
    return await parse(argv);
  } finally {
    // A usage error, or any way out before the run took them: spares must not keep this process alive.
    spares.discardPrewarmed();
  }
}

async function parse(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  // Loaded here, not at the top: `run --agents N` has forked its workers by now.
  const { default: yargs } = await import('yargs');
  const parser = yargs(argv)
    .scriptName('parallel-loop')
    .usage('$0 <command> [options]\n\nRun coding agents in parallel on a queue of task files, each in its own git worktree.')
    .command(commands)
    .demandCommand(1, 'Name a command: see the list above.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .epilog('Exit codes: 0 ok, 1 a task or check failed, 2 usage, 3 invalid input, 4 environment refused, 5 not found, 130 interrupted.')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`parallel-loop: ${msg}\nRun with --help for usage.\n`);
      exitCode = EXIT.usage;
      throw new UsageExit();
    });
  skipHelpCache(parser);
  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageExit) return exitCode;
    const { code, message, errorCode } = exitFor(err);
    const wantsJson = argv.includes('--json');
    if (wantsJson) process.stdout.write(JSON.stringify({ error: { code: errorCode, message } }, null, 2) + '\n');
    process.stderr.write(`parallel-loop: ${message}\n`);
    return code;
  }
  return exitCode;
}

class UsageExit extends Error {}

/**
 * yargs renders a command's whole help text as the command starts, to have it ready should the command fail.
 * `run` has some sixty options: that took 20-40 ms of the supervisor's thread (far more under load) while its
 * workers started. Our `fail` handler never prints help, so the text is never read. Reached through yargs'
 * internals; when they change, the help is simply rendered as before.
 */
function skipHelpCache(parser: unknown): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  try {
    const usage = (parser as Internals).getInternalMethods?.().getUsageInstance?.();
    if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
  } catch {
    // internals moved: nothing skipped
  }
}

// Commands that finish with a non-zero status (a task failed) set process.exitCode themselves;
// errors land here. Nothing calls process.exit, so output is flushed before the process ends.
// What yargs' hideBin does: the arguments after node and the script.
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== EXIT.ok) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`parallel-loop: ${String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);
