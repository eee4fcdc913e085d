import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlError } from '../errors.js';
import { appendEvent } from '../events/log.js';
import { cancelQueued, clearCancelRequest, locateTask, requestCancel } from './cancel.js';
import type { QueueStore } from './store.js';

/** How a cancel ended, for people and for `--json`. */
export interface CancelReport {
  task: string;
  /** The task is in failed/ now, marked cancelled by this or an earlier cancel. */
  cancelled: boolean;
  state: string;
  /** Where it was when the cancel started. */
  was: string;
  agent?: string;
  message: string;
}

/**
 * `parallel-loop cancel <id>`: a queued task is claimed and moved to failed/; for a running one the
 * request file is written and, with `waitMs` > 0, its agent is waited for. Throws TASK_NOT_FOUND.
 */
export async function cancelTask(store: QueueStore, id: string, waitMs: number): Promise<CancelReport> {
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
      // The owner moves the file first and writes its error record just after: a look in between saw no record.
      for (let i = 0; i < 20 && !store.stat('failed', `${id}.error.json`); i++) await sleep(50);
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
