import type { Argv, CommandModule } from 'yargs';
import { PlError } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { layoutOf } from '../queue-args.js';
import type { Layout } from '../../queue/layout.js';
import { colorEnabled } from '../../status/color.js';
import { formatTable } from '../../status/format.js';
import { statusPass } from '../../status/pass.js';
import { watchStatus } from '../../status/watch.js';
import { printJson, printLines } from '../output.js';

interface StatusArgs extends CommonArgs {
  watch: boolean;
  intervalMs: number;
}

/** `parallel-loop status [--json] [--watch] [--interval-ms N]`: see docs/STATUS.md. */
export const statusCommand: CommandModule<object, StatusArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .option('watch', { alias: 'w', type: 'boolean', default: false, describe: 'Keep the view live: redraw on every change (Ctrl-C to leave)' })
      .option('interval-ms', { type: 'number', default: 1000, describe: 'With --watch: redraw at least this often' })
      .check((argv) => {
        const ms = argv['interval-ms'];
        if (!(Number.isInteger(ms) && ms >= 50)) {
          throw new PlError('BAD_OPTION', `Expected the \`--interval-ms\` option to be an integer of at least 50, got \`${String(ms)}\` (${typeof ms})`);
        }
        return true;
      })
      .example([
        ['$0 status', 'agents, counts, throughput and recent tasks, once'],
        ['$0 status --watch', 'the same, live, until Ctrl-C'],
        ['$0 status --json', 'one JSON document (docs/STATUS.md)'],
      ]) as unknown as Argv<StatusArgs>,
  handler: async (argv) => {
    const layout = layoutOf(argv);
    if (argv.watch) return watch(layout, argv);
    const { status } = await statusPass(layout);
    if (argv.json) printJson(status);
    else printLines(formatTable(status, { width: process.stdout.columns || 80, color: colorEnabled(process.env, process.stdout.isTTY === true) }));
  },
};

async function watch(layout: Layout, argv: StatusArgs): Promise<void> {
  const stop = new AbortController();
  // Ctrl-C ends the view; the loop restores the terminal before this command returns.
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await watchStatus(layout, { intervalMs: argv.intervalMs, json: argv.json, signal: stop.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
