import type { CommandModule } from 'yargs';
import { EXIT } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { waitMsOption, storeFor, taskIdArg } from '../queue-args.js';
import { cancelTask } from '../../queue/cancel-task.js';
import { printJson, printLines } from '../output.js';

interface CancelArgs extends CommonArgs {
  task: string;
  waitMs?: number;
}

export const cancelCommand: CommandModule<object, CancelArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .positional('task', { type: 'string', demandOption: true, describe: 'Id of a task in the inbox or in running/' })
      .option('wait-ms', { type: 'number', defaultDescription: '30000', describe: 'How long to wait for a running attempt to stop; 0 only files the request' })
      .example([
        ['$0 cancel fix-login', 'stop fix-login now; its agent is killed and the partial work kept on its branch'],
        ['$0 cancel fix-login --wait-ms 0', 'file the request and return; the owning agent acts on its next heartbeat'],
        ['$0 retry fix-login', 'changed your mind: queue it again'],
      ])
      .epilog(
        'A queued task is claimed (so no agent can start it) and moved to failed/. For a running task the request is ' +
          'the file .parallel-loop/claims/<task>/cancel: the agent holding the task sees it on its next heartbeat, kills ' +
          'its agent, commits what it left as a WIP commit and moves the task to failed/ with <task>.error.json ' +
          '{ "cancelled": true }. The request stays until honoured, so a task between two attempts is cancelled too. ' +
          'Exit 0 when the task ended cancelled, 1 when it finished first or the wait ran out, 5 when there is no such task.',
      ),
  handler: async (argv) => {
    const waitMs = waitMsOption(argv.waitMs);
    const id = taskIdArg(argv.task);
    const store = storeFor(argv);
    const report = await cancelTask(store, id, waitMs);
    if (argv.json) printJson(report);
    else printLines([report.message]);
    if (!report.cancelled && !(waitMs === 0 && report.state === 'running')) process.exitCode = EXIT.failure;
  },
};
