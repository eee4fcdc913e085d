import type { QueueStore } from '../queue/store.js';
import type { ReleaseInput } from '../lifecycle/records.js';
import { idFileName } from '../queue/inbox.js';
import { PlError } from '../errors.js';

/** The task a worker holds: enough to move its file and release its generation. */
export interface Held {
  id: string;
  gen: number;
  /** File name in running/. */
  file: string;
  agentId: string;
}

/**
 * Move a held task to its next state, then release its generation, in that order: a crash between
 * the two leaves a live claim on a moved file, which the monitor repairs; the reverse order would
 * let another worker claim a task whose file is still in running/.
 * Returns false when the claim was superseded (fencing): then nothing is moved.
 */
export function finish(store: QueueStore, held: Held, release: ReleaseInput): boolean {
  const { outcome, ...fields } = release;
  if (store.claims.isSuperseded(held.id, held.gen)) return false;
  try {
    if (outcome === 'done') store.move(held.file, 'running', 'done');
    else if (outcome === 'failed') {
      store.move(held.file, 'running', 'failed');
      store.writeRecord('failed', `${held.id}.error.json`, { task: held.id, gen: held.gen, ...fields, at: new Date().toISOString() });
    } else if (outcome === 'retry' || outcome === 'requeued' || outcome === 'held') {
      store.move(held.file, 'running', 'inbox', idFileName(held.id, held.file));
    }
  } catch (err) {
    // The file is gone from running/: someone repaired or moved it. Release anyway so the claim does not linger.
    if (!(err instanceof PlError && err.code === 'TASK_GONE')) throw err;
  }
  store.claims.release(held.id, held.gen, { ...release, agentId: held.agentId }, held.agentId);
  return true;
}
