import { PlError, EXIT } from '../errors.js';
import { identityArgs } from '../git/identity.js';
import { git, revParse, runGit } from '../git/repo.js';
import { refSafeId } from '../queue/layout.js';
import { advanceTarget, type DirtyPolicy } from './advance.js';
import type { CheckoutReport } from './fast-forward.js';
import { mergeTrees } from './merge-tree.js';
import { assertTrailerSafe, hasTrailer, landingMessage, LOG_FORMAT, parseLog, TASK_TRAILER } from './trailers.js';

export interface LandOptions {
  repo: string;
  /** Branch name the work lands on, e.g. `main`. */
  target: string;
  /** The attempt branch, e.g. `pl/<id>/<gen>`. */
  branch: string;
  /** The commit the attempt started from (or any ancestor of it on the target): landings are searched for in `base..tip`. */
  base: string;
  taskId: string;
  title?: string;
  attempt: number;
  /** Checks the merged commit before the ref moves; runs again on each retry (each retry merges onto a new tip). */
  verify?: (mergedCommit: string) => Promise<{ ok: boolean; output: string }>;
  /** Tries when other landings keep moving the tip. Default 20. */
  maxTries?: number;
  /** See DirtyPolicy. Default `hold`. */
  dirtyPolicy?: DirtyPolicy;
  /** Keep the old tip under `refs/parallel-loop/backup/<id>/…`. Default true. */
  backup?: boolean;
  /** Folder for the per-checkout locks. Default `<git common dir>/parallel-loop/locks`. */
  lockDir?: string;
}

export type LandResult =
  | { status: 'landed'; commit: string; previous: string; tries: number; backupRef?: string; checkouts: CheckoutReport[] }
  | { status: 'already-landed'; commit: string }
  | { status: 'conflict'; files: string[]; details: string; tip: string }
  | { status: 'verify-failed'; output: string; commit: string }
  | { status: 'nothing-to-land' }
  | { status: 'held'; reason: string; worktree: string };

/** The commit in `base..tip` that landed the task (by its trailer), if any. Every path is searched, not just first parents, so a landing merged in from elsewhere counts too. */
export async function findLanding(repo: string, base: string, tip: string, taskId: string): Promise<string | undefined> {
  const log = await git(repo, ['log', '-z', LOG_FORMAT, `${base}..${tip}`]);
  return parseLog(log).find((r) => hasTrailer(r.body, TASK_TRAILER, taskId))?.sha;
}

async function isAncestor(repo: string, a: string, b: string): Promise<boolean> {
  return (await runGit(repo, ['merge-base', '--is-ancestor', a, b], { okCodes: [0, 1] })).exitCode === 0;
}

async function resolve(repo: string, ref: string, code: string, what: string): Promise<string> {
  const sha = (await revParse(repo, `refs/heads/${ref}`)) ?? (await revParse(repo, ref));
  if (!sha) throw new PlError(code, `${what} "${ref}" does not exist in ${repo}.`, { exitCode: EXIT.notFound });
  return sha;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Land an attempt branch on the target exactly once, without a lock and without touching any checkout
 * except a clean one of the target: per try, re-read the tip; stop if the task's trailer is already in
 * `base..tip`; merge in the object store; commit with the trailer; verify; move the ref by compare-and-swap.
 * A lost race retries on the new tip (up to `maxTries`, with jitter); running out throws `LAND_CONTENDED`.
 */
export async function landAttempt(options: LandOptions): Promise<LandResult> {
  const { repo, target, taskId } = options;
  assertTrailerSafe(taskId);
  const maxTries = options.maxTries ?? 20;
  const branchTip = await resolve(repo, options.branch, 'BRANCH_NOT_FOUND', 'The attempt branch');
  const base = await resolve(repo, options.base, 'BAD_BASE', 'The base commit');
  for (let tries = 1; tries <= maxTries; tries++) {
    const tip = await resolve(repo, target, 'TARGET_NOT_FOUND', 'The target branch');
    const landed = await findLanding(repo, base, tip, taskId);
    if (landed) return { status: 'already-landed', commit: landed };
    if (await isAncestor(repo, branchTip, base)) return { status: 'nothing-to-land' };
    // The branch's commits already reached the target another way (e.g. the user merged it by hand).
    if (await isAncestor(repo, branchTip, tip)) return { status: 'already-landed', commit: branchTip };
    const merge = await mergeTrees(repo, tip, branchTip);
    if (!merge.clean) return { status: 'conflict', files: merge.files, details: merge.messages.join('\n'), tip };
    const message = landingMessage({ taskId, title: options.title, attempt: options.attempt, branch: options.branch });
    const commit = await git(repo, [...(await identityArgs(repo)), 'commit-tree', merge.tree, '-p', tip, '-p', branchTip, '-m', message]);
    if (options.verify) {
      const verdict = await options.verify(commit);
      if (!verdict.ok) return { status: 'verify-failed', output: verdict.output, commit };
    }
    const backupRef = options.backup === false ? undefined : `refs/parallel-loop/backup/${refSafeId(taskId)}/${options.attempt}-${Date.now()}-${process.pid}`;
    const step = await advanceTarget({
      repo,
      target,
      old: tip,
      next: commit,
      reason: `parallel-loop: land task ${taskId} (attempt ${options.attempt})`,
      backupRef,
      dirtyPolicy: options.dirtyPolicy ?? 'hold',
      lockDir: options.lockDir,
    });
    if (step.kind === 'held') return { status: 'held', reason: step.reason, worktree: step.worktree };
    if (step.kind === 'moved') return { status: 'landed', commit, previous: tip, tries, backupRef, checkouts: step.checkouts };
    await pause(Math.random() * Math.min(200, 5 * 2 ** tries));
  }
  throw new PlError('LAND_CONTENDED', `Task ${taskId} could not land on ${target}: the branch moved under each of ${maxTries} tries.`, {
    details: { taskId, target, maxTries },
  });
}
