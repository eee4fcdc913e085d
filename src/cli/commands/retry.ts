import path from 'node:path';
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { storeFor, taskIdArg } from '../queue-args.js';
import { retryAndRecord } from '../../queue/retry.js';
import { printJson, printLines } from '../output.js';

interface RetryArgs extends CommonArgs {
  task: string;
}

export const retryCommand: CommandModule<object, RetryArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .positional('task', { type: 'string', demandOption: true, describe: 'Id of a task in queue/failed/' })
      .example([
        ['$0 retry fix-login', 'queue fix-login again; a running `run` picks it up at once, no back-off'],
        ['$0 retry fix-login --json', 'the same, printing where the task and its failure record went'],
      ])
      .epilog(
        'The task gets maxAttempts again; its claim history (.parallel-loop/claims/<task>/) is kept, and ' +
          'failed/<task>.error.json moves into it as retry-<generation>.json. The next attempt resumes from the ' +
          'last attempt\'s branch, with what went wrong before in its prompt. Edit the task file in failed/ first ' +
          'if it needs changing. A cancel request for the task is dropped.',
      ),
  handler: (argv) => {
    const id = taskIdArg(argv.task);
    const store = storeFor(argv);
    const result = retryAndRecord(store, id);
    const errorRecord = result.errorRecord ? path.join(store.claims.taskDir(id), result.errorRecord) : undefined;
    if (argv.json) return printJson({ ...result, inbox: path.join(store.layout.queue, result.file), errorRecord });
    printLines([
      `${id} is back in the queue as ${path.relative(process.cwd(), path.join(store.layout.queue, result.file))}, with a fresh set of attempts`,
      ...(errorRecord ? [`its failure record is kept in ${path.relative(process.cwd(), errorRecord)}`] : []),
    ]);
  },
};
