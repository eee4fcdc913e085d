import type { CommandModule } from 'yargs';
import { EXIT } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { waitMsOption, storeFor } from '../queue-args.js';
import { describeKill, killTarget } from '../../supervisor/kill-target.js';
import { printJson, printLines } from '../output.js';

interface KillArgs extends CommonArgs {
  target: string;
  waitMs?: number;
}

export const killCommand: CommandModule<object, KillArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .positional('target', { type: 'string', demandOption: true, describe: 'An agent id (agent-2), a running task id, or `all`' })
      .option('wait-ms', { type: 'number', defaultDescription: '30000', describe: 'How long to wait for the worker to exit; 0 returns at once' })
      .example([
        ['$0 kill agent-2', 'stop agent-2: its agent is killed, the partial work committed (WIP) and the task requeued'],
        ['$0 kill fix-login', 'stop whichever agent is working on task fix-login'],
        ['$0 kill all --wait-ms 0', 'stop every agent of the run on this host and return at once'],
      ])
      .epilog(
        'The worker gets SIGTERM: it stops its agent\'s process tree, commits what the agent left as a WIP commit on the ' +
          'attempt branch, returns the task to the queue (not counted as an attempt) and exits; the supervisor starts a ' +
          'fresh worker in that slot, which may pick the task up again and resume from that branch. ' +
          'To stop a task for good, use `parallel-loop cancel <task>`.',
      ),
  handler: async (argv) => {
    const waitMs = waitMsOption(argv.waitMs);
    const store = storeFor(argv);
    const results = await killTarget(store, argv.target, waitMs);
    const late = results.filter((r) => !r.exited);
    if (argv.json) printJson({ killed: results, waited: waitMs > 0 });
    else printLines(results.map((r) => describeKill(store, r, waitMs > 0)));
    if (waitMs > 0 && late.length > 0) process.exitCode = EXIT.failure;
  },
};
