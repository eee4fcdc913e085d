import { fileStem } from '../task/id.js';
import { applyTransition } from '../lifecycle/transition.js';
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
    // Gone meanwhile: it was not stranded after all, and its owner has moved it on (released all the same).
    const { moved } = applyTransition(store, { id, gen: claim.gen, file, agentId: owner.agentId }, {
      to: 'inbox',
      release: { outcome: 'requeued', attempted: false, reason: 'returned from running/, where it sat without a live claim' },
    });
    if (moved) returned.push(id);
  }
  return returned;
}
