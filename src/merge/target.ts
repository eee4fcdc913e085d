import { PlError } from '../errors.js';
import { git, revParse, runGit } from '../git/repo.js';
import { authError, fetchBranch, isRemote, pushCommit } from '../git/remote.js';
import { branchTipAndTree } from '../git/ref-file.js';
import { refSafeId } from '../queue/layout.js';
import { advanceTarget, type Advance, type AdvanceInput } from './advance.js';
import { hasTrailer, LOG_FORMAT, parseLog, TASK_TRAILER } from './trailers.js';

/** A tip of the target and its tree, read at one instant. */
export interface TipRead {
  tip: string;
  tree?: string;
}

/**
 * One move of the target from `old` to `next` (see LandTarget.advance): a local move's input without the
 * repository and branch, which the target knows. `reason` and `backupRef` matter to local targets only.
 */
export type AdvanceRequest = Omit<AdvanceInput, 'repo' | 'target'>;

/**
 * Where landings go: a local branch, or a branch of a remote. A lander (one task's, or a batch's) reads the
 * tip, looks for the task's trailer since a base, merges in the object store, and moves the target by
 * compare-and-swap; only these three steps differ between the two kinds.
 */
export interface LandTarget {
  readonly kind: 'local' | 'remote';
  readonly repo: string;
  /** The branch, on its own side: `main`. */
  readonly branch: string;
  /** The remote, for a remote target. */
  readonly remote?: string;
  /** How messages and events name it: `main`, or `origin/main`. */
  readonly label: string;
  /**
   * The local ref holding the tip last read: `refs/heads/main`, or for a remote the private ref the fetch
   * writes (`refs/parallel-loop/remote/origin/main`), which merges and diffs can name.
   */
  readonly ref: string;
  /** Name of the turn landers of this target take (see LandOptions.serialize). */
  readonly lockName: string;
  /** The tip now (a remote target fetches it first). Throws `TARGET_NOT_FOUND` when the branch is missing. */
  readTip(): Promise<TipRead>;
  /** The commit in `base..tip` on the first-parent line that landed the task, by its trailer. */
  findLanding(base: string, tip: string, taskId: string): Promise<string | undefined>;
  /**
   * Move the target from `old` to `next` only if it is still at `old`. `raced`: it was not (read again and
   * retry), `refusal` saying so when the remote refused the push itself. Throws `REMOTE_AUTH_FAILED` when
   * a remote refuses the credentials: retrying cannot help, and landing stops.
   */
  advance(request: AdvanceRequest): Promise<Advance>;
}

/**
 * The commit in `base..tip` that landed the task (by its trailer), if any. Only the first-parent line is
 * searched, where landings go: commits on a branch merged in (an agent's own, whatever their messages say)
 * cannot pass for a landing.
 */
export async function findLanding(repo: string, base: string, tip: string, taskId: string): Promise<string | undefined> {
  const log = await git(repo, ['log', '-z', '--first-parent', LOG_FORMAT, `${base}..${tip}`]);
  return parseLog(log).find((r) => hasTrailer(r.body, TASK_TRAILER, taskId))?.sha;
}

/** The local branch `branch` of `repo` as a landing target: the ref moves by `update-ref`, a clean checkout of it is fast-forwarded. */
export function localTarget(repo: string, branch: string): LandTarget {
  const ref = `refs/heads/${branch}`;
  return {
    kind: 'local',
    repo,
    branch,
    label: branch,
    ref,
    lockName: `land-${refSafeId(branch)}`,
    async readTip() {
      const fromFiles = branchTipAndTree(repo, branch);
      if (fromFiles) return fromFiles;
      const { stdout, exitCode } = await runGit(repo, ['log', '-1', '--format=%H %T', '--end-of-options', ref, '--'], { okCodes: [0, 128] });
      const [tip, tree] = stdout.trim().split(' ');
      if (exitCode === 0 && tip && tree && /^[0-9a-f]{40}$/.test(tip)) return { tip, tree };
      // Not a branch: any other name of a commit does as a target too.
      const named = await revParse(repo, branch);
      if (named) return { tip: named };
      throw new PlError('TARGET_NOT_FOUND', `The target branch "${branch}" does not exist in ${repo}.`);
    },
    findLanding: (base, tip, taskId) => findLanding(repo, base, tip, taskId),
    advance: (r) => advanceTarget({ repo, target: branch, old: r.old, next: r.next, reason: r.reason, backupRef: r.backupRef, dirtyPolicy: r.dirtyPolicy, lockDir: r.lockDir, oldTree: r.oldTree }),
  };
}

/** The private ref a remote branch's tip is fetched into. */
export function fetchedRef(remote: string, branch: string): string {
  return `refs/parallel-loop/remote/${refSafeId(remote)}/${branch}`;
}

/**
 * The branch `branch` of the remote `remote` as a landing target. The tip is fetched into a private ref;
 * the move is `git push --force-with-lease=refs/heads/<branch>:<old> <remote> <next>:refs/heads/<branch>`,
 * never a plain force: the push lands only while the remote branch is still at the tip the merge was made
 * on, which makes git's push the compare-and-swap. No local checkout is touched.
 */
export function remoteTarget(repo: string, remote: string, branch: string): LandTarget {
  const ref = fetchedRef(remote, branch);
  const dst = `refs/heads/${branch}`;
  const label = `${remote}/${branch}`;
  return {
    kind: 'remote',
    repo,
    branch,
    remote,
    label,
    ref,
    lockName: `land-${refSafeId(remote)}-${refSafeId(branch)}`,
    async readTip() {
      const tip = await fetchBranch(repo, remote, branch, ref);
      if (!tip) throw new PlError('TARGET_NOT_FOUND', `The target branch "${branch}" does not exist on the remote ${remote}.`);
      const tree = await git(repo, ['rev-parse', `${tip}^{tree}`]);
      return { tip, tree };
    },
    findLanding: (base, tip, taskId) => findLanding(repo, base, tip, taskId),
    async advance(r): Promise<Advance> {
      const pushed = await pushCommit(repo, { remote, commit: r.next, dst, lease: r.old });
      switch (pushed.kind) {
        case 'pushed':
          // Already there: another lander of this task made the very same commit (same tree, parents, message
          // and second) and pushed it first. That landing is found by its trailer on the next try.
          if (pushed.upToDate) return { kind: 'raced' };
          // Keep the private ref where the remote is now; a lost race here only means another fetch was newer.
          await runGit(repo, ['update-ref', ref, r.next, r.old], { okCodes: [0, 1, 128] });
          return { kind: 'moved', checkouts: [] };
        case 'stale':
          return { kind: 'raced' };
        case 'rejected':
          return { kind: 'raced', refusal: `${label} refused the push: ${pushed.reason}` };
        case 'auth':
          throw authError(remote, 'push', pushed.message);
        case 'unknown':
          // Whether the server took it is unknown: the next try fetches, and finds the trailer if it did.
          return { kind: 'raced', refusal: `the push to ${label} failed: ${pushed.message}` };
      }
    },
  };
}

/** Where a run lands, as the options name it: a remote and its branch, or a local branch. */
export interface TargetSpec {
  branch: string;
  remote?: string;
}

/**
 * Read `target` (and `remote`) as the options give them: `remote: origin` with `target: main`, or
 * `target: origin/main` where `origin` is one of the repository's remotes; anything else is a local branch.
 * Throws `REMOTE_NOT_FOUND` for a `remote` that is not configured.
 */
export async function resolveTargetSpec(repo: string, target: string, remote?: string): Promise<TargetSpec> {
  if (remote !== undefined) {
    if (!(await isRemote(repo, remote))) {
      throw new PlError('REMOTE_NOT_FOUND', `The remote \`${remote}\` (option \`remote\`) is not configured in ${repo}; \`git remote -v\` lists those that are.`);
    }
    return { remote, branch: target };
  }
  const slash = target.indexOf('/');
  if (slash > 0 && (await isRemote(repo, target.slice(0, slash)))) return { remote: target.slice(0, slash), branch: target.slice(slash + 1) };
  return { branch: target };
}

/** The landing target of a resolved spec. */
export function landTargetFor(repo: string, spec: TargetSpec): LandTarget {
  return spec.remote === undefined ? localTarget(repo, spec.branch) : remoteTarget(repo, spec.remote, spec.branch);
}
