import { compareAndSwapRef } from './cas.js';
import { inspectCheckout, targetCheckouts, type CheckoutState } from './checkout.js';
import { defaultLockDir, moveCheckout, withCheckoutLocks, type CheckoutReport } from './fast-forward.js';

/**
 * What to do when the target is checked out in a worktree with local changes. `hold`: leave the ref where it
 * is and report the task as held; `land-ref`: move the ref anyway and report the checkout as behind.
 */
export type DirtyPolicy = 'hold' | 'land-ref';

export interface AdvanceInput {
  repo: string;
  target: string;
  old: string;
  next: string;
  /** Reflog message of the move. */
  reason: string;
  backupRef?: string;
  dirtyPolicy: DirtyPolicy;
  /** Folder for the per-checkout locks. Default `<git common dir>/parallel-loop/locks`. */
  lockDir?: string;
  /** The tree of `old`, when the caller read it with the tip: a checkout whose index holds it needs no look at older tips. */
  oldTree?: string;
}

export type Advance =
  | { kind: 'held'; reason: string; worktree: string }
  /** `refusal`: the target's server refused the move itself (a remote's hook), in its words. */
  | { kind: 'raced'; refusal?: string }
  | { kind: 'moved'; checkouts: CheckoutReport[] };

/** Why a task waits instead of landing under a checkout with local changes. */
export function heldReason(target: string, blocked: CheckoutState & { state: 'blocked' }): string {
  return (
    `${target} is checked out in ${blocked.worktree} and ${blocked.reason}. The task waits rather than move ${target} ` +
    'under it: a moved branch leaves that checkout\'s index and files at the old commit, so `git status` there would ' +
    'show the landed work as reverted and a commit from there would undo it. Commit, stash or finish your work there ' +
    '(or switch it to another branch) and the task lands on the next pass.'
  );
}

/** How a checkout left behind by `land-ref` can catch up without losing its local changes. */
export function behindReason(target: string, old: string, blocked: CheckoutState & { state: 'blocked' }): string {
  return (
    `${target} moved, but ${blocked.worktree} was left as it was because ${blocked.reason}. Its index and files are still ` +
    `those of ${old.slice(0, 12)}, so \`git status\` there shows the landed work as reverted. To bring it in and keep your ` +
    `changes, run \`git read-tree -m -u ${old} HEAD\` there (it refuses if your changes touch the same files).`
  );
}

/**
 * The last step of a landing or undo: look at every checkout of the target BEFORE moving anything, hold or
 * go on per `dirtyPolicy`, move the ref by compare-and-swap, then fast-forward the clean checkouts. The
 * checkouts' locks are held from the look to the fast-forward; with no checkout of the target, no lock at all.
 */
export async function advanceTarget(input: AdvanceInput): Promise<Advance> {
  const worktrees = await targetCheckouts(input.repo, input.target);
  const ref = `refs/heads/${input.target}`;
  const cas = () => compareAndSwapRef({ repo: input.repo, ref, old: input.old, next: input.next, reason: input.reason, backupRef: input.backupRef });
  if (worktrees.length === 0) return (await cas()) ? { kind: 'moved', checkouts: [] } : { kind: 'raced' };
  const lockDir = input.lockDir ?? (await defaultLockDir(input.repo));
  return withCheckoutLocks(worktrees, lockDir, async (): Promise<Advance> => {
    // No re-read of the tip here: if it moved while we merged or waited for the lock, the compare-and-swap
    // below fails and nothing is touched; the look at the checkouts is then only wasted, never acted on.
    const states = await Promise.all(worktrees.map((w) => inspectCheckout(w, input.next, { knownTipTrees: input.oldTree ? [input.oldTree] : [], lockDir })));
    const blocked = states.filter((s): s is CheckoutState & { state: 'blocked' } => s.state === 'blocked');
    if (blocked[0] && input.dirtyPolicy === 'hold') {
      return { kind: 'held', reason: heldReason(input.target, blocked[0]), worktree: blocked[0].worktree };
    }
    if (!(await cas())) return { kind: 'raced' };
    const checkouts: CheckoutReport[] = [];
    for (const state of states) {
      if (state.state === 'blocked') checkouts.push({ worktree: state.worktree, state: 'behind', reason: behindReason(input.target, input.old, state) });
      else checkouts.push(await moveCheckout(state.worktree, state.indexTree, input.next, lockDir));
    }
    return { kind: 'moved', checkouts };
  });
}
