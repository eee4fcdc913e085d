import { PlError } from '../errors.js';
import { fileStem } from '../task/id.js';
import { idFileName } from '../queue/inbox.js';
import type { QueueStore } from '../queue/store.js';
import type { Owner } from '../queue/take.js';

/**
 * Return task files that sit in running/ without a live claim to the inbox; returns their ids. Every
 * protocol step moves a file out of running/ before it releases the claim, so such a file is the
 * remains of a failure that nobody else would ever move. It is moved under a claim of its own (the
 * next generation, won by link(2)), never on the strength of a look at the folder: that look may be
 * stale by the time of the move, when another worker has taken the task up again.
 */
export function returnStranded(store: QueueStore, owner: Owner): string[] {
  const returned: string[] = [];
  for (const file of store.taskFiles('running')) {
    const id = fileStem(file);
    if (store.claims.snapshot(id).live !== undefined) continue;
    const claim = store.claims.claim(id, { ...owner, file });
    if (!claim.ok) continue;
    let moved = true;
    try {
      store.move(file, 'running', 'inbox', idFileName(id, file));
    } catch (err) {
      // Gone meanwhile: it was not stranded after all, and its owner has moved it on.
      if (!(err instanceof PlError && err.code === 'TASK_GONE')) throw err;
      moved = false;
    }
    store.claims.release(id, claim.gen, { outcome: 'requeued', attempted: false, reason: 'returned from running/, where it sat without a live claim' }, owner.agentId);
    if (moved) returned.push(id);
  }
  return returned;
}
