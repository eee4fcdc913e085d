import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandModule } from 'yargs';
import { EXIT, PlError } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { waitMsOption, storeFor, taskIdArg } from '../queue-args.js';
import type { QueueStore } from '../../queue/store.js';
import { cancelQueued, clearCancelRequest, locateTask, requestCancel } from '../../queue/cancel.js';
import { appendEvent } from '../../events/log.js';
import { printJson, printLines } from '../output.js';

interface CancelArgs extends CommonArgs {
  task: string;
  waitMs?: number;
}

/** How a cancel ended, for people and for `--json`. */
interface CancelReport {
  task: string;
  /** The task is in failed/ now, marked cancelled by this or an earlier cancel. */
  cancelled: boolean;
  state: string;
  /** Where it was when the cancel started. */
  was: string;
  agent?: string;
  message: string;
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
    const report = await cancel(store, id, waitMs);
    if (argv.json) printJson(report);
    else printLines([report.message]);
    if (!report.cancelled && !(waitMs === 0 && report.state === 'running')) process.exitCode = EXIT.failure;
  },
};

async function cancel(store: QueueStore, id: string, waitMs: number): Promise<CancelReport> {
  const first = locateTask(store, id);
  if (!first) throw new PlError('TASK_NOT_FOUND', `No task \`${id}\` in ${store.layout.queue} (inbox, running/, done/ or failed/).`);
  const was = first.state;
  const owner = () => store.claims.liveLease(id)?.agentId;
  const agent = was === 'running' ? owner() : undefined;
  const report = (state: string, cancelled: boolean, message: string): CancelReport => ({ task: id, cancelled, state, was, agent, message });
  if (was === 'done') return report('done', false, `${id} is done already; nothing to cancel (\`parallel-loop undo ${id}\` reverts its landing)`);
  if (was === 'failed') return report('failed', isCancelled(store, id), `${id} is in failed/ already${isCancelled(store, id) ? ', cancelled' : ''}`);
  if (first.entry && cancelQueued(store, first.entry)) return cancelledQueued(store, id, report);

  requestCancel(store, id);
  const requestFile = path.relative(process.cwd(), path.join(store.claims.taskDir(id), 'cancel'));
  if (waitMs === 0) return report('running', false, `cancel of ${id} requested (${requestFile}); ${agent ?? 'its agent'} acts on its next heartbeat`);
  let takes = 0;
  for (const deadline = Date.now() + waitMs; Date.now() < deadline; await sleep(100)) {
    const now = locateTask(store, id);
    if (now?.state === 'failed') {
      const by = agent ? ` on ${agent}` : '';
      return report('failed', isCancelled(store, id), `cancelled ${id}: its attempt${by} was stopped, partial work kept on its branch; it is in queue/failed/`);
    }
    if (now?.state === 'done') {
      clearCancelRequest(store, id);
      return report('done', false, `${id} finished and landed before the cancel took effect; it is in queue/done/`);
    }
    // Between two attempts (requeued or waiting out a back-off): take it from the inbox ourselves.
    // Each try claims a generation: a few are enough to win against workers, and never spin on one file.
    if (now?.entry && takes++ < 5 && cancelQueued(store, now.entry)) return cancelledQueued(store, id, report);
  }
  const holder = owner();
  return report(
    'running',
    false,
    `cancel of ${id} requested (${requestFile}), but ${holder ? `${holder} has not stopped it` : 'no agent holds it'} after ${waitMs} ms. ` +
      (holder ? 'It takes effect at that agent\'s next heartbeat.' : 'It takes effect when a run next picks the task up.'),
  );
}

function cancelledQueued(store: QueueStore, id: string, report: (state: string, cancelled: boolean, message: string) => CancelReport): CancelReport {
  appendEvent(store.layout.events, { type: 'failed', agent: 'cli', task: id, cancelled: true, reason: 'cancelled by `parallel-loop cancel` before it started' });
  return report('failed', true, `cancelled ${id} before it started; it is in queue/failed/`);
}

function isCancelled(store: QueueStore, id: string): boolean {
  try {
    return (JSON.parse(store.read('failed', `${id}.error.json`).toString('utf8')) as { cancelled?: unknown }).cancelled === true;
  } catch {
    return false;
  }
}
