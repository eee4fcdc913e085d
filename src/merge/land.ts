import { PlError, type ErrorCode } from '../errors.js';
import { identityArgs } from '../git/identity.js';
import { git, revParse, runGit } from '../git/repo.js';
import { refSafeId } from '../queue/layout.js';
import { withRepoLock } from '../git/lock.js';
import type { DirtyPolicy } from './advance.js';
import { backoff, triesOption } from './cas.js';
import { defaultLockDir, type CheckoutReport } from './fast-forward.js';
import type { ChangelogEntry } from './changelog-tree.js';
import { assertTrailerSafe } from './trailers.js';
import { landTargetFor, localTarget, type LandTarget, type TipRead } from './target.js';
import { mergeOnto, messageFor, type ChangelogReport, type LandStyle, type Merged, type MergeInput } from './merge-onto.js';

export { findLanding, landTargetFor, localTarget, remoteTarget, type LandTarget, type TipRead } from './target.js';
export { mergeOnto, messageFor, type ChangelogReport, type LandStyle, type Merged, type MergeInput } from './merge-onto.js';

export interface LandOptions {
  repo: string;
  /** Branch name the work lands on, e.g. `main` (on `remote` when one is given). */
  target: string;
  /** The remote whose branch `target` is: the lander fetches it and pushes to it (see merge/target.ts). Default none: a local branch. */
  remote?: string;
  /** The target as an object, made once by the caller (overrides `target` and `remote` for the landing itself). */
  landTarget?: LandTarget;
  /** The attempt branch, e.g. `pl/<id>/<gen>`. */
  branch: string;
  /** The commit the attempt started from (or any ancestor of it on the target): landings are searched for in `base..tip`. */
  base: string;
  taskId: string;
  title?: string;
  /** The task's prompt: a squash landing's commit body is its first paragraph. */
  prompt?: string;
  attempt: number;
  /** `merge`: a merge commit of the target tip and the branch. `squash`: one commit with the merged tree and the tip as its only parent. Default `merge`. */
  style?: LandStyle;
  /** Checks the merged commit before the ref moves; runs again on each retry (each retry merges onto a new tip). */
  verify?: (mergedCommit: string) => Promise<{ ok: boolean; output: string }>;
  /** Tries when other landings keep moving the tip. Default 20. */
  maxTries?: number;
  /** See DirtyPolicy. Default `hold`. */
  dirtyPolicy?: DirtyPolicy;
  /** Keep the old tip under `refs/parallel-loop/backup/<id>/…`. Default true. */
  backup?: boolean;
  /**
   * Take turns with other landers on this repository (a short lock from reading the tip to moving the ref;
   * verification runs outside it). Not needed for correctness, which the compare-and-swap gives; it saves the
   * merges lost races throw away, and keeps one lander from losing every race under heavy contention. Default true.
   */
  serialize?: boolean;
  /** Folder for the landing and checkout locks, e.g. `<state>/locks`. Default `<git common dir>/parallel-loop/locks`. */
  lockDir?: string;
  /**
   * The changelog the lander writes: the entry goes under `## Unreleased` of the tip's version, in the
   * landing commit itself (on each try, since each try lands on a new tip); a change the branch made to the
   * file is left out. Default none.
   */
  changelog?: ChangelogEntry;
}

export type LandResult =
  | { status: 'landed'; commit: string; previous: string; tries: number; backupRef?: string; checkouts: CheckoutReport[]; branchTip: string; changelog?: ChangelogReport }
  | { status: 'already-landed'; commit: string }
  | { status: 'conflict'; files: string[]; details: string; tip: string }
  | { status: 'verify-failed'; output: string; commit: string }
  | { status: 'nothing-to-land' }
  | { status: 'held'; reason: string; worktree: string };

async function isAncestor(repo: string, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  return (await runGit(repo, ['merge-base', '--is-ancestor', a, b], { okCodes: [0, 1] })).exitCode === 0;
}

/** Whether `commit` is one of `others` or an ancestor of one of them (`merge-base --independent` drops exactly those). */
async function containedInAny(repo: string, commit: string, others: string[]): Promise<boolean> {
  if (others.includes(commit)) return true;
  const independent = (await git(repo, ['merge-base', '--independent', commit, ...others])).split('\n');
  return !independent.includes(commit);
}

/**
 * Commits named as a target is (a branch before any other ref of that name), all in one git call:
 * undefined for a name that names no commit. Falls back to one call per name for names that cannot go on a line.
 */
async function resolveAll(repo: string, refs: string[]): Promise<Array<string | undefined>> {
  if (refs.some((r) => /[\n\r\0]/.test(r) || r.trim() !== r || r === '')) {
    return Promise.all(refs.map((r) => (/^[0-9a-f]{40}$/.test(r) ? revParse(repo, r) : revParse(repo, `refs/heads/${r}`).then((s) => s ?? revParse(repo, r)))));
  }
  const names = refs.flatMap((r) => (/^[0-9a-f]{40}$/.test(r) ? [r] : [`refs/heads/${r}`, r]));
  const { stdout } = await runGit(repo, ['cat-file', '--batch-check=%(objectname)'], { input: names.map((n) => `${n}^{commit}\n`).join('') });
  const found = new Map<string, string | undefined>();
  stdout.split('\n').slice(0, names.length).forEach((line, i) => found.set(names[i] as string, /^[0-9a-f]{40}$/.test(line) ? line : undefined));
  return refs.map((r) => (/^[0-9a-f]{40}$/.test(r) ? found.get(r) : (found.get(`refs/heads/${r}`) ?? found.get(r))));
}

/**
 * The local branch's tip and its tree, read at one instant (one call); the tree spares the checkout inspection
 * a history walk. For any target (a remote's too) use `LandTarget.readTip`.
 */
export async function readTip(repo: string, target: string): Promise<TipRead> {
  return localTarget(repo, target).readTip();
}

function notFound(code: ErrorCode, what: string, ref: string, repo: string): PlError {
  return new PlError(code, `${what} "${ref}" does not exist in ${repo}.`);
}

/** `refusal`: the last refusal of a remote's server, when that is why the move did not happen. */
type Step = LandResult | { status: 'raced'; tip: string; refusal?: string };

/** A landing commit already verified on the tip it names. */
type Verified = Merged & { tip: string };

/** A landing prepared once (prepareLanding): what every try merges and commits, and where. */
export interface Landing {
  options: LandOptions;
  target: LandTarget;
  merge: MergeInput;
  /** The base commit, resolved: landings of the task are searched for from here. */
  base: string;
}

/** The target a landing's options name: `landTarget`, else `remote` + `target`, else the local branch `target`. */
export function targetOf(options: Pick<LandOptions, 'repo' | 'target' | 'remote' | 'landTarget'>): LandTarget {
  return options.landTarget ?? landTargetFor(options.repo, { branch: options.target, remote: options.remote });
}

/** One try, from reading the tip to the compare-and-swap. `verified` is a commit already verified on the tip it names. */
async function tryOnce(a: Landing, searchFrom: string, tries: number, verified?: Verified): Promise<Step> {
  const { taskId } = a.options;
  const { tip, tree } = await a.target.readTip();
  if (verified && verified.tip !== tip) return { status: 'raced', tip: verified.tip };
  // With a verified commit, base..tip was searched when it was made. An empty range needs no search at all.
  const from = verified?.tip ?? searchFrom;
  const landed = from === tip ? undefined : await a.target.findLanding(from, tip, taskId);
  if (landed) return { status: 'already-landed', commit: landed };
  const merged = verified ?? (await mergeOnto(a.merge, tip));
  if ('status' in merged) return merged;
  // The backup ref is a local ref beside the branch it backs up; a remote's history is the remote's.
  const backupRef = a.options.backup === false || a.target.kind === 'remote' ? undefined : `refs/parallel-loop/backup/${refSafeId(taskId)}/${a.options.attempt}-${Date.now()}-${process.pid}`;
  const step = await a.target.advance({
    old: tip,
    next: merged.commit,
    reason: `parallel-loop: land task ${taskId} (attempt ${a.options.attempt})`,
    backupRef,
    dirtyPolicy: a.options.dirtyPolicy ?? 'hold',
    lockDir: a.options.lockDir,
    oldTree: tree,
  });
  if (step.kind === 'held') return { status: 'held', reason: step.reason, worktree: step.worktree };
  if (step.kind === 'raced') return { status: 'raced', tip, refusal: step.refusal };
  const result = { status: 'landed' as const, commit: merged.commit, previous: tip, tries, backupRef, checkouts: step.checkouts, branchTip: a.merge.branchTip };
  return merged.changelog ? { ...result, changelog: merged.changelog } : result;
}

/** Verify before taking turns: the check may take minutes, and no other lander waits for it. */
async function verifyOutside(a: Landing, searchFrom: string): Promise<LandResult | Verified> {
  const { taskId } = a.options;
  const { tip } = await a.target.readTip();
  const landed = searchFrom === tip ? undefined : await a.target.findLanding(searchFrom, tip, taskId);
  if (landed) return { status: 'already-landed', commit: landed };
  const merged = await mergeOnto(a.merge, tip);
  if ('status' in merged) return merged;
  const verdict = await a.options.verify!(merged.commit);
  return verdict.ok ? { tip, ...merged } : { status: 'verify-failed', output: verdict.output, commit: merged.commit };
}

/**
 * The checks of a landing that do not depend on the target's tip, done once: the branch, base and target
 * exist; a branch with nothing new, or one already on the target, needs no merge (the result says so).
 * Otherwise the landing's parts (its target, the resolved base, what its landing commit is made of) for
 * `mergeOnto`: the single-task lander below and the batch lander (merge/batch.ts) start from here.
 */
export async function prepareLanding(options: LandOptions): Promise<LandResult | Landing> {
  const { repo, taskId } = options;
  assertTrailerSafe(taskId);
  const target = targetOf(options);
  // Branch, base and (local) target in one call; errors in the order the checks below need them.
  const local = target.kind === 'local';
  const [branchTip, base, localTip] = await resolveAll(repo, local ? [options.branch, options.base, target.branch] : [options.branch, options.base]);
  if (!branchTip) {
    // A landing whose owner was superseded may still have got in, and its cleanup taken the branch: the trailer says so.
    const tip = base ? (local ? localTip : await target.readTip().then((t) => t.tip, () => undefined)) : undefined;
    const landed = base && tip ? await target.findLanding(base, tip, taskId) : undefined;
    if (landed) return { status: 'already-landed', commit: landed };
    throw notFound('BRANCH_NOT_FOUND', 'The attempt branch', options.branch, repo);
  }
  if (!base) throw notFound('BAD_BASE', 'The base commit', options.base, repo);
  const firstTip = local ? localTip : (await target.readTip()).tip;
  // One walk answers "contained in neither base nor target", the common case; only otherwise does the base need asking alone.
  const contained = firstTip ? await containedInAny(repo, branchTip, [base, firstTip]) : true;
  if (contained && (await isAncestor(repo, branchTip, base))) return { status: 'nothing-to-land' };
  if (!firstTip) throw notFound('TARGET_NOT_FOUND', 'The target branch', target.label, repo);
  if (contained) {
    // Landed already, by this task's trailer or another way (e.g. the user merged the branch by hand).
    return { status: 'already-landed', commit: (await target.findLanding(base, firstTip, taskId)) ?? branchTip };
  }
  // Everything that does not depend on the tip is done once: the fewer git calls between reading the tip
  // and the compare-and-swap, the fewer races are lost.
  const merge: MergeInput = { repo, branchTip, ident: await identityArgs(repo), message: messageFor(options), style: options.style, changelog: options.changelog };
  return { options, target, merge, base };
}

/**
 * Land an attempt branch on the target exactly once, touching no checkout except a clean one of the target.
 * Per try: re-read the tip (a remote target fetches it); stop if the task's trailer is already in `base..tip`;
 * merge in the object store; commit with the trailer; verify; move the target by compare-and-swap (a remote
 * target: a push with a lease on the tip). A lost race retries on the new tip (up to `maxTries`, with jitter);
 * running out throws `LAND_CONTENDED` (`PUSH_REJECTED` when the remote's server refused the push each time).
 * Landers of one repository take turns for the short step from reading the tip to the swap (see `serialize`);
 * verification runs outside it. A remote that refuses the credentials throws `REMOTE_AUTH_FAILED`.
 */
export async function landAttempt(options: LandOptions): Promise<LandResult> {
  const { repo, taskId } = options;
  const maxTries = triesOption(options.maxTries);
  const a = await prepareLanding(options);
  if ('status' in a) return a;
  const { target, base } = a;
  const turns = options.serialize === false ? undefined : (options.lockDir ?? (await defaultLockDir(repo)));
  let searchFrom = base;
  let refusal: string | undefined;
  for (let tries = 1; tries <= maxTries; tries++) {
    const verified = options.verify ? await verifyOutside(a, searchFrom) : undefined;
    if (verified && 'status' in verified) return verified;
    const once = () => tryOnce(a, searchFrom, tries, verified);
    const step = turns ? await withRepoLock(turns, target.lockName, once) : await once();
    if (step.status !== 'raced') return step;
    // base..tip is (base..old tip) + (old tip..tip): after a lost race only the new commits need a look.
    searchFrom = step.tip;
    refusal = step.refusal;
    await backoff(tries);
  }
  if (refusal) {
    throw new PlError('PUSH_REJECTED', `Task ${taskId} could not land on ${target.label}: ${refusal} (each of ${maxTries} tries). Its branch ${options.branch} is kept.`, {
      details: { taskId, target: target.label, maxTries, refusal },
    });
  }
  throw new PlError('LAND_CONTENDED', `Task ${taskId} could not land on ${target.label}: the branch moved under each of ${maxTries} tries.`, {
    details: { taskId, target: target.label, maxTries },
  });
}
