import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { PlError, errnoCode } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { layoutOf } from '../queue-args.js';
import { QueueStore } from '../../queue/store.js';
import { addTask, invalidTask, taskFromPrompt, type PromptTask } from '../../queue/add-task.js';
import { formatWarnings, rejectionFor } from '../../task/rejection.js';
import { adapterNames } from '../../agents/registry.js';
import { printJson, printLines } from '../output.js';

/** The task's fields as flags, named as PromptTask names them; `what` is the prompt or a task file. */
interface AddArgs extends CommonArgs, Omit<PromptTask, 'prompt'> {
  what: string;
}

export const addCommand: CommandModule<object, AddArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .positional('what', { type: 'string', demandOption: true, describe: 'The prompt, or the path of a .md/.json task file' })
      .option('id', { type: 'string', describe: 'Task id [default: from the prompt, or the file name]' })
      .option('title', { type: 'string', describe: 'Short title [default: first line of the prompt]' })
      .option('priority', { type: 'string', describe: 'Higher runs first [default 0]' })
      .option('agent', { type: 'string', describe: `Adapter for this task (${adapterNames.join(', ')})` })
      .option('timeout', { type: 'string', describe: 'Time limit per attempt, e.g. 600, 15m, 1h' })
      .option('max-attempts', { type: 'string', describe: 'Attempts before the task fails' })
      .option('touches', { type: 'string', array: true, describe: 'Globs of paths the task changes (tasks that overlap never run together)' })
      .option('depends-on', { type: 'string', array: true, describe: 'Ids of tasks that must be done first' })
      .option('verify', { type: 'string', describe: 'Command that must pass on the merged result before landing' })
      .option('run', { type: 'string', describe: 'Command the shell agent runs for this task' })
      .option('estimate', { type: 'string', describe: 'Expected duration for `plan`, e.g. 20m' })
      .option('env', { type: 'string', array: true, describe: 'KEY=VALUE for the agent (repeatable)' })
      .example([
        ['$0 add "Fix the login redirect in src/auth/login.ts" --priority 2', 'a Markdown task with frontmatter'],
        ['$0 add tasks/refactor.md', 'copy an existing task file into the queue, checked first'],
        ['$0 add "run the migration" --agent shell --run "npm run migrate" --depends-on schema', 'a shell task after another'],
      ]),
  handler: (argv) => {
    const layout = layoutOf(argv);
    const store = new QueueStore(layout);
    const { fileName, content } = fromFile(argv.what) ?? taskFromPrompt(store, { ...argv, prompt: argv.what });
    const added = addTask(store, fileName, content);
    const warnings = formatWarnings(added.name, added.warnings);
    if (warnings) process.stderr.write(warnings + '\n');
    if (argv.json) printJson({ id: added.id, file: path.join(layout.queue, added.name), warnings: added.warnings });
    else printLines([`added ${added.id} as ${path.relative(process.cwd(), path.join(layout.queue, added.name)) || added.name}`]);
  },
};

// A prompt may well end in a file name ("Document the option in readme.md"), so only a word without
// spaces is taken for a path when no such file exists; then a typo in it says so instead of queueing it.
function fromFile(what: string): { fileName: string; content: Buffer } | undefined {
  if (!/\.(md|markdown|json)$/i.test(what)) return undefined;
  if (/\s/.test(what) && !exists(what)) return undefined;
  try {
    const stat = fs.lstatSync(what);
    if (stat.isSymbolicLink()) throw invalidTask(path.basename(what), [rejectionFor('symlink', what)]);
    return { fileName: path.basename(what), content: fs.readFileSync(what) };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new PlError('FILE_NOT_FOUND', `${what}: no such task file`);
    throw err;
  }
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
