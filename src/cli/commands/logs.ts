import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { PlError } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { storeFor } from '../queue-args.js';
import { checkTaskId } from '../../task/id.js';
import type { QueueStore } from '../../queue/store.js';
import { attemptLogs, attemptOver, logOf, newestAgentLog, type AttemptLog } from '../../queue/attempt-logs.js';
import { locateTask } from '../../queue/cancel.js';
import { agentIds, readAgent } from '../../supervisor/agents.js';
import { renderLogLine } from '../../agents/render-log.js';
import { readLines } from '../../util/follow-file.js';
import { printJson } from '../output.js';

interface LogsArgs extends CommonArgs {
  target: string;
  follow: boolean;
  raw: boolean;
  attempt?: number;
}

export const logsCommand: CommandModule<object, LogsArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .positional('target', { type: 'string', demandOption: true, describe: 'A task id, or an agent id (agent-1)' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep printing as the log grows, until the attempt ends or Ctrl-C' })
      .option('raw', { type: 'boolean', default: false, describe: 'Print the log as the agent wrote it (Claude Code stream-json unrendered)' })
      .option('attempt', { type: 'number', describe: "A task's Nth attempt that ran an agent, counting from 1 [default: the latest]" })
      .example([
        ['$0 logs fix-login', 'the latest attempt of task fix-login, Claude Code output as readable lines'],
        ['$0 logs agent-2 -f', 'follow what agent-2 is doing now'],
        ['$0 logs fix-login --attempt 1 --raw > a1.jsonl', 'the first attempt, exactly as written'],
      ])
      .epilog('Logs live in .parallel-loop/agents/<agent>/logs/<task>.<generation>.log; the header line (on stderr) names the file.'),
  handler: async (argv) => {
    if (argv.attempt !== undefined && (!Number.isInteger(argv.attempt) || argv.attempt < 1)) {
      throw new PlError('BAD_OPTION', `Expected --attempt to be a positive integer, got \`${argv.attempt}\``);
    }
    if (argv.json && argv.follow) throw new PlError('BAD_OPTION', '--json and --follow do not go together: use --follow --raw for a stream a script can read');
    const store = storeFor(argv);
    const log = findLog(store, argv.target, argv.attempt);
    if (!argv.follow && !fs.existsSync(log.file)) {
      throw new PlError('NO_LOG', `${log.agentId} has not started the agent of ${log.task} yet (no ${log.file}); add -f to wait for it.`);
    }
    const render = (line: string) => (argv.raw ? line : renderLogLine(line));
    if (argv.json) {
      const lines: string[] = [];
      await readLines(log.file, { onLine: (l) => void pushDefined(lines, render(l)) });
      return printJson({ ...log, lines });
    }
    process.stderr.write(`==> ${log.task} generation ${log.gen} by ${log.agentId}${log.live ? ' (running)' : log.outcome ? ` (${log.outcome})` : ''}: ${path.relative(process.cwd(), log.file)}\n`);
    const out = (line: string | undefined) => line !== undefined && process.stdout.write(line + '\n');
    if (!argv.follow) return readLines(log.file, { onLine: (l) => out(render(l)) });
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.on('SIGINT', onSignal);
    try {
      await readLines(log.file, { onLine: (l) => out(render(l)), follow: { until: () => attemptOver(store, log.task, log.gen), signal: stop.signal } });
    } finally {
      process.off('SIGINT', onSignal);
    }
  },
};

function pushDefined(lines: string[], line: string | undefined): void {
  if (line !== undefined) lines.push(line);
}

/** The log a target names: an agent's current (or newest) attempt, or a task's latest or Nth attempt. */
function findLog(store: QueueStore, target: string, attempt: number | undefined): AttemptLog {
  const agents = agentIds(store.layout);
  if (agents.includes(target)) {
    if (attempt !== undefined) throw new PlError('BAD_OPTION', `--attempt counts a task's attempts; name the task instead of ${target}`);
    const hb = readAgent(store.layout, target)?.heartbeat;
    const log = hb?.task && hb.gen !== undefined ? logOf(store, target, hb.task, hb.gen) : newestAgentLog(store, target);
    if (!log) throw new PlError('NO_LOG', `${target} has not written a log yet (${path.join(store.layout.agents, target, 'logs')} is empty).`);
    return log;
  }
  const badId = checkTaskId(target);
  const logs = badId ? [] : attemptLogs(store, target);
  if (logs.length === 0) {
    const where = badId ? undefined : locateTask(store, target);
    const known = agents.length > 0 ? ` Agents: ${agents.join(', ')}.` : '';
    const why = where ? `task \`${target}\` (in ${where.state === 'inbox' ? 'the inbox' : `${where.state}/`}) has not run an agent yet` : `no task or agent \`${target}\` in ${store.layout.state}.${known}`;
    throw new PlError('NO_LOG', `No log to show: ${why}`);
  }
  if (attempt === undefined) return logs.at(-1)!;
  const log = logs[attempt - 1];
  if (!log) throw new PlError('NO_LOG', `Task \`${target}\` has ${logs.length} attempt${logs.length === 1 ? '' : 's'} with a log; --attempt ${attempt} is not one of them.`);
  return log;
}
