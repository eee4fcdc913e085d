import { PlError } from '../errors.js';
import { identityArgs } from '../git/identity.js';
import { git, revParse } from '../git/repo.js';
import type { DirtyPolicy } from './advance.js';
import { landTargetFor } from './target.js';
import { backoff, triesOption } from './cas.js';
import type { CheckoutReport } from './fast-forward.js';
import { withoutChangelogEntries } from './changelog-tree.js';
import { mergeTrees } from './merge-tree.js';
import { assertTrailerSafe, hasTrailer, LOG_FORMAT, parseLog, REVERT_TRAILER, revertMessage, TASK_TRAILER, type LogRecord } from './trailers.js';

export interface UndoOptions {
  repo: string;
  /** The branch the task landed on: a local branch, or with `remote` that remote's branch. */
  target: string;
  /** A remote whose `target` branch the task landed on (a run with `--target origin/main`): the revert is pushed there, with a lease. */
  remote?: string;
  taskId: string;
  /** See DirtyPolicy. Default `hold`. */
  dirtyPolicy?: DirtyPolicy;
  /** Tries when other landings keep moving the tip. Default 20. */
  maxTries?: number;
  /** Folder for the per-checkout locks. Default `<git common dir>/parallel-loop/locks`. */
  lockDir?: string;
  /** The changelog the lander writes (option `changelog`): the task's entry is taken out of it, whatever entries landed next to it since. */
  changelog?: string;
}

export type UndoResult =
  | { status: 'reverted'; commit: string; landing: string; tries: number; checkouts: CheckoutReport[] }
  | { status: 'conflict'; files: string[]; details: string; landing: string }
  | { status: 'held'; reason: string; worktree: string }
  /** The remote refused the push itself (a hook, a protected branch), in its words. */
  | { status: 'refused'; reason: string; landing: string };

/**
 * The newest landing of the task on the first-parent history of `tip`, unless an undo of it came after
 * (walking newest first, whichever of the two trailers shows up first decides).
 */
export function findUndoable(records: LogRecord[], taskId: string): LogRecord | undefined {
  for (const record of records) {
    if (hasTrailer(record.body, REVERT_TRAILER, taskId)) return undefined;
    if (hasTrailer(record.body, TASK_TRAILER, taskId)) return record;
  }
  return undefined;
}

/**
 * A tree with the landing's changes taken out of `tip`. merge-tree in git 2.39 has no --merge-base, so a
 * throwaway commit with the tree before the landing and the landing as its only parent stands in for
 * "theirs": git then picks the landing as the merge base, which is the 3-way merge `git revert -m 1` does.
 */
async function revertTree(repo: string, tip: string, landing: LogRecord) {
  const before = landing.parents[0];
  if (!before) throw new PlError('NOT_LANDED', `Commit ${landing.sha} has no parent to revert to.`);
  const ident = await identityArgs(repo);
  const theirs = await git(repo, [...ident, 'commit-tree', `${before}^{tree}`, '-p', landing.sha, '-m', 'parallel-loop: undo helper (never referenced)']);
  return mergeTrees(repo, tip, theirs);
}

/**
 * Undo a landed task with a revert commit on the target, made and moved into place like a landing: no
 * checkout touched except a clean one of a local target, the ref moved by compare-and-swap (for a remote
 * target, the fetched tip and a push with a lease on it; no local branch or checkout is touched). The
 * landing is found by its trailer on the target's first-parent history. Throws `NOT_LANDED` (exit "not
 * found") when the task has no landing there, or its newest landing is already undone.
 */
export async function undoTask(options: UndoOptions): Promise<UndoResult> {
  const { repo, taskId } = options;
  assertTrailerSafe(taskId);
  const target = landTargetFor(repo, { branch: options.target, remote: options.remote });
  // A local target must be a branch (a landing moved it); a remote's is read by its fetch.
  if (target.kind === 'local' && !(await revParse(repo, target.ref))) {
    throw new PlError('TARGET_NOT_FOUND', `The target branch "${options.target}" does not exist in ${repo}.`);
  }
  const maxTries = triesOption(options.maxTries);
  for (let tries = 1; tries <= maxTries; tries++) {
    const { tip } = await target.readTip();
    const landing = findUndoable(parseLog(await git(repo, ['log', '-z', '--first-parent', LOG_FORMAT, tip])), taskId);
    if (!landing) {
      throw new PlError('NOT_LANDED', `Task ${taskId} has no landing on ${target.label} to undo (or its last landing is already undone).`);
    }
    const merge = await revertTree(repo, tip, landing);
    const file = options.changelog;
    const onlyChangelog = file !== undefined && merge.files.length > 0 && merge.files.every((f) => f === file);
    if (!merge.clean && !onlyChangelog) return { status: 'conflict', files: merge.files, details: merge.messages.join('\n'), landing: landing.sha };
    const tree = file ? await withoutChangelogEntries(repo, tip, merge.tree, landing.sha, file) : merge.tree;
    const commit = await git(repo, [...(await identityArgs(repo)), 'commit-tree', tree, '-p', tip, '-m', revertMessage(taskId, landing.sha)]);
    const step = await target.advance({ old: tip, next: commit, reason: `parallel-loop: undo task ${taskId}`, dirtyPolicy: options.dirtyPolicy ?? 'hold', lockDir: options.lockDir });
    if (step.kind === 'held') return { status: 'held', reason: step.reason, worktree: step.worktree };
    if (step.kind === 'moved') return { status: 'reverted', commit, landing: landing.sha, tries, checkouts: step.checkouts };
    // The remote said no to the push itself: trying again would only be told the same.
    if (step.refusal !== undefined) return { status: 'refused', reason: step.refusal, landing: landing.sha };
    await backoff(tries);
  }
  throw new PlError('LAND_CONTENDED', `The undo of task ${taskId} could not move ${target.label}: it moved under each of ${maxTries} tries.`, {
    details: { taskId, target: target.label, maxTries },
  });
}
