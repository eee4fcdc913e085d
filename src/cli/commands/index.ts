import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

/** What `--help` lists for a command; its module, with the options and the work, is loaded only when it runs. */
interface CommandEntry {
  command: string;
  describe: string;
  load: () => Promise<AnyCommand>;
}

/** Every CLI command, in the order `--help` lists them. */
const ENTRIES: CommandEntry[] = [
  { command: 'add <what>', describe: 'Add a task to the queue: a prompt in quotes, or an existing task file', load: async () => (await import('./add.js')).addCommand },
  { command: 'run', describe: 'Work the queue with N agents in parallel, each task in its own git worktree', load: async () => (await import('./run.js')).runCommand },
  { command: 'plan', describe: 'Show how the queue would run: dependency waves, tasks kept apart, critical path, expected time', load: async () => (await import('./plan.js')).planCommand },
  { command: 'status', describe: 'What the agents and the queue are doing, read from the files alone (no supervisor needed)', load: async () => (await import('./status.js')).statusCommand },
  { command: 'dashboard', describe: 'Serve a live web page of the board, the agents and the timeline, read from the files alone', load: async () => (await import('./dashboard.js')).dashboardCommand },
  { command: 'logs <target>', describe: "Show an attempt's agent output: a task's latest attempt, or what an agent is working on", load: async () => (await import('./logs.js')).logsCommand },
  { command: 'kill <target>', describe: "Stop one agent's current attempt (or every agent's with `all`); the rest of the run goes on", load: async () => (await import('./kill.js')).killCommand },
  { command: 'cancel <task>', describe: 'Stop a task for good: it goes to failed/ marked cancelled, whether queued or running', load: async () => (await import('./cancel.js')).cancelCommand },
  { command: 'retry <task>', describe: 'Send a failed task back to the queue with a fresh set of attempts, keeping its history', load: async () => (await import('./retry.js')).retryCommand },
  { command: 'undo <task>', describe: 'Revert a landed task on the target branch with a revert commit (history is kept)', load: async () => (await import('./undo.js')).undoCommand },
  { command: 'clean', describe: 'Remove worktrees, branches and old claim history of finished attempts', load: async () => (await import('./clean.js')).cleanCommand },
  { command: 'config', describe: "Read and change the repository's settings (.parallel-loop.json)", load: async () => (await import('./config.js')).configCommand },
  { command: 'doctor', describe: 'Check that this repository and machine can run the queue, and say how to fix what cannot', load: async () => (await import('./doctor.js')).doctorCommand },
];

/**
 * Commands for yargs. A command's builder runs only when that command is asked for (to run it, or for its
 * own `--help`), so loading the module there keeps `--version`, `--help` and every other command from
 * paying for it: loading all of them took ~200 ms before any command started.
 */
export const commands: AnyCommand[] = ENTRIES.map(lazyCommand);

function lazyCommand(entry: CommandEntry): AnyCommand {
  let loaded: AnyCommand | undefined;
  return {
    command: entry.command,
    describe: entry.describe,
    builder: async (y) => {
      loaded = await entry.load();
      const { builder } = loaded;
      return typeof builder === 'function' ? builder(y) : builder ? y.options(builder) : y;
    },
    handler: (argv) => loaded!.handler(argv),
  };
}
