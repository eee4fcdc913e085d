import type { CommandModule } from 'yargs';
import { EXIT, PlError } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { layoutOf } from '../queue-args.js';
import { loadConfigFile } from '../../config/load.js';
import { currentBranch } from '../../git/repo.js';
import { undoTask } from '../../merge/undo.js';
import { landTargetFor, resolveTargetSpec } from '../../merge/target.js';
import { printJson, printLines } from '../output.js';

interface UndoArgs extends CommonArgs {
  task: string;
  target?: string;
  dirtyTarget?: 'hold' | 'land-ref';
}

export const undoCommand: CommandModule<object, UndoArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .positional('task', { type: 'string', demandOption: true, describe: 'Id of a landed task' })
      .option('target', { type: 'string', describe: 'Branch the task landed on, or a remote\'s (origin/main) [default: config, else the current branch]' })
      .option('dirty-target', { choices: ['hold', 'land-ref'] as const, describe: 'When the target is checked out with uncommitted changes [default hold: do nothing]' })
      .example([
        ['$0 undo fix-login', 'finds the landing commit with trailer Parallel-Loop-Task: fix-login (merge or squash) and reverts it'],
        ['$0 undo fix-login --target origin/main', 'the same on the remote: fetched, reverted, pushed with a lease; your own main is not touched'],
      ]),
  handler: async (argv) => {
    const layout = layoutOf(argv);
    const config = loadConfigFile(layout.config);
    const named = argv.target ?? config.target ?? (await currentBranch(layout.repo));
    if (!named) throw new PlError('NO_TARGET', 'HEAD is detached; pass --target <branch>.');
    // As `run` reads it: `--target origin/main`, or the config's `remote` with its `target`. A --target given
    // here names the branch whole, so the config's remote applies only to the config's own target.
    const spec = await resolveTargetSpec(layout.repo, named, argv.target === undefined ? config.remote : undefined);
    const { label } = landTargetFor(layout.repo, spec);
    const result = await undoTask({ repo: layout.repo, target: spec.branch, remote: spec.remote, taskId: argv.task, dirtyPolicy: argv.dirtyTarget ?? config.dirtyTarget, changelog: config.changelog });
    if (argv.json) printJson(result);
    else if (result.status === 'reverted') printLines([`reverted ${argv.task} on ${label}: ${result.commit.slice(0, 8)} reverts ${result.landing.slice(0, 8)}`]);
    else if (result.status === 'conflict') printLines([`cannot revert ${argv.task} cleanly: later changes touch ${result.files.join(', ')}. Revert it by hand: git revert -m 1 ${result.landing}`]);
    else printLines([`not reverted: ${result.reason}`]);
    if (result.status !== 'reverted') process.exitCode = EXIT.failure;
  },
};
