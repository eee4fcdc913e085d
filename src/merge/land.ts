import { PlError, type ErrorCode } from '../errors.js';
import { identityArgs } from '../git/identity.js';
import { git, revParse, runGit } from '../git/repo.js';
import { refSafeId } from '../queue/layout.js';
import { withRepoLock } from '../git/lock.js';
import { advanceTarget, type DirtyPolicy } from './advance.js';
import { backoff, triesOption } from './cas.js';
import { defaultLockDir, type CheckoutReport } from './fast-forward.js';
import { withChangelogEntry, type ChangelogEntry } from './changelog-tree.js';
import { mergeTrees } from './merge-tree.js';
import { assertTrailerSafe, hasTrailer, landingMessage, LOG_FORMAT, parseLog, squashMessage, TASK_TRAILER } from './trailers.js';

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

/** What a landing did to the changelog: the entry it added, and whether it left out the branch's own change to the file. */
export interface ChangelogReport {
  entry: string;
  dropped: boolean;
}

export type LandResult =
  | { status: 'landed'; commit: string; previous: string; tries: number; backupRef?: string; checkouts: CheckoutReport[]; branchTip: string; changelog?: ChangelogReport }
  | { status: 'already-landed'; commit: string }
  | { status: 'conflict'; files: string[]; details: string; tip: string }
  | { status: 'verify-failed'; output: string; commit: string }
  | { status: 'nothing-to-land' }
  | { status: 'held'; reason: string; worktree: string };

/** How a landing commit is made. */
export type LandStyle = 'merge' | 'squash';

/**
 * The commit in `base..tip` that landed the task (by its trailer), if any. Only the first-parent line is
 * searched, where landings go: commits on a branch merged in (an agent's own, whatever their messages say)
 * cannot pass for a landing.
 */
export async function findLanding(repo: string, base: string, tip: string, taskId: string): Promise<string | undefined> {
  const log = await git(repo, ['log', '-z', '--first-parent', LOG_FORMAT, `${base}..${tip}`]);
  return parseLog(log).find((r) => hasTrailer(r.body, TASK_TRAILER, taskId))?.sha;
}

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

async function resolve(repo: string, ref: string, code: ErrorCode, what: string): Promise<string> {
  // A full commit id needs no branch lookup first (one git call fewer per landing).
  const sha = /^[0-9a-f]{40}$/.test(ref) ? await revParse(repo, ref) : ((await revParse(repo, `refs/heads/${ref}`)) ?? (await revParse(repo, ref)));
  if (!sha) throw new PlError(code, `${what} "${ref}" does not exist in ${repo}.`);
  return sha;
}

/**
 * Commits named as `resolve` names them (a branch before any other ref of that name), all in one git call:
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

/** The target's tip and its tree, read at one instant (one call); the tree spares the checkout inspection a history walk. */
export async function readTip(repo: string, target: string): Promise<{ tip: string; tree?: string }> {
  const { stdout, exitCode } = await runGit(repo, ['log', '-1', '--format=%H %T', '--end-of-options', `refs/heads/${target}`, '--'], { okCodes: [0, 128] });
  const [tip, tree] = stdout.trim().split(' ');
  if (exitCode === 0 && tip && tree && /^[0-9a-f]{40}$/.test(tip)) return { tip, tree };
  return { tip: await resolve(repo, target, 'TARGET_NOT_FOUND', 'The target branch') };
}

function notFound(code: ErrorCode, what: string, ref: string, repo: string): PlError {
  return new PlError(code, `${what} "${ref}" does not exist in ${repo}.`);
}

type Step = LandResult | { status: 'raced'; tip: string };

/** A landing commit already verified on the tip it names. */
type Verified = Merged & { tip: string };

/** A landing prepared once (prepareLanding): what every try merges and commits. */
export interface Landing {
  options: LandOptions;
  branchTip: string;
  /** The base commit, resolved. */
  base: string;
  ident: string[];
  message: string;
}

export interface Merged {
  commit: string;
  changelog?: ChangelogReport;
}

/**
 * Merge `branchTip` onto `tip` in the object store and commit it (a squash has `tip` as its only parent),
 * with the changelog entry when there is one; a conflict ends the landing, except one in the changelog
 * alone, whose branch side is left out anyway.
 */
export async function mergeOnto(a: Landing, tip: string): Promise<Merged | LandResult> {
  const { repo, changelog } = a.options;
  const merge = await mergeTrees(repo, tip, a.branchTip);
  const onlyChangelog = changelog !== undefined && merge.files.length > 0 && merge.files.every((f) => f === changelog.file);
  if (!merge.clean && !onlyChangelog) return { status: 'conflict', files: merge.files, details: merge.messages.join('\n'), tip };
  const written = changelog ? await withChangelogEntry(repo, tip, merge.tree, changelog) : undefined;
  const parents = a.options.style === 'squash' ? ['-p', tip] : ['-p', tip, '-p', a.branchTip];
  const commit = await git(repo, [...a.ident, 'commit-tree', written?.tree ?? merge.tree, ...parents, '-m', a.message]);
  return { commit, changelog: written && changelog ? { entry: changelog.entry, dropped: written.dropped } : undefined };
}

/** One try, from reading the tip to the compare-and-swap. `verified` is a commit already verified on the tip it names. */
async function tryOnce(a: Landing, searchFrom: string, tries: number, verified?: Verified): Promise<Step> {
  const { repo, target, taskId } = a.options;
  const { tip, tree } = await readTip(repo, target);
  if (verified && verified.tip !== tip) return { status: 'raced', tip: verified.tip };
  // With a verified commit, base..tip was searched when it was made. An empty range needs no search at all.
  const from = verified?.tip ?? searchFrom;
  const landed = from === tip ? undefined : await findLanding(repo, from, tip, taskId);
  if (landed) return { status: 'already-landed', commit: landed };
  const merged = verified ?? (await mergeOnto(a, tip));
  if ('status' in merged) return merged;
  const backupRef = a.options.backup === false ? undefined : `refs/parallel-loop/backup/${refSafeId(taskId)}/${a.options.attempt}-${Date.now()}-${process.pid}`;
  const step = await advanceTarget({
    repo,
    target,
    old: tip,
    next: merged.commit,
    reason: `parallel-loop: land task ${taskId} (attempt ${a.options.attempt})`,
    backupRef,
    dirtyPolicy: a.options.dirtyPolicy ?? 'hold',
    lockDir: a.options.lockDir,
    oldTree: tree,
  });
  if (step.kind === 'held') return { status: 'held', reason: step.reason, worktree: step.worktree };
  if (step.kind === 'raced') return { status: 'raced', tip };
  const result = { status: 'landed' as const, commit: merged.commit, previous: tip, tries, backupRef, checkouts: step.checkouts, branchTip: a.branchTip };
  return merged.changelog ? { ...result, changelog: merged.changelog } : result;
}

/** Verify before taking turns: the check may take minutes, and no other lander waits for it. */
async function verifyOutside(a: Landing, searchFrom: string): Promise<LandResult | Verified> {
  const { repo, target, taskId } = a.options;
  const tip = await resolve(repo, target, 'TARGET_NOT_FOUND', 'The target branch');
  const landed = searchFrom === tip ? undefined : await findLanding(repo, searchFrom, tip, taskId);
  if (landed) return { status: 'already-landed', commit: landed };
  const merged = await mergeOnto(a, tip);
  if ('status' in merged) return merged;
  const verdict = await a.options.verify!(merged.commit);
  return verdict.ok ? { tip, ...merged } : { status: 'verify-failed', output: verdict.output, commit: merged.commit };
}

/**
 * The checks of a landing that do not depend on the target's tip, done once: the branch, base and target
 * exist; a branch with nothing new, or one already on the target, needs no merge (the result says so).
 * Otherwise the landing's parts (branch tip, identity, message) for `mergeOnto`.
 */
export async function prepareLanding(options: LandOptions): Promise<LandResult | Landing> {
  const { repo, target, taskId } = options;
  assertTrailerSafe(taskId);
  // Branch, base and target in one call; errors in the order the checks below need them.
  const [branchTip, base, firstTip] = await resolveAll(repo, [options.branch, options.base, target]);
  if (!branchTip) {
    // A landing whose owner was superseded may still have got in, and its cleanup taken the branch: the trailer says so.
    const landed = base && firstTip ? await findLanding(repo, base, firstTip, taskId) : undefined;
    if (landed) return { status: 'already-landed', commit: landed };
    throw notFound('BRANCH_NOT_FOUND', 'The attempt branch', options.branch, repo);
  }
  if (!base) throw notFound('BAD_BASE', 'The base commit', options.base, repo);
  // One walk answers "contained in neither base nor target", the common case; only otherwise does the base need asking alone.
  const contained = firstTip ? await containedInAny(repo, branchTip, [base, firstTip]) : true;
  if (contained && (await isAncestor(repo, branchTip, base))) return { status: 'nothing-to-land' };
  if (!firstTip) throw notFound('TARGET_NOT_FOUND', 'The target branch', target, repo);
  if (contained) {
    // Landed already, by this task's trailer or another way (e.g. the user merged the branch by hand).
    return { status: 'already-landed', commit: (await findLanding(repo, base, firstTip, taskId)) ?? branchTip };
  }
  // Everything that does not depend on the tip is done once: the fewer git calls between reading the tip
  // and the compare-and-swap, the fewer races are lost.
  const input = { taskId, title: options.title, attempt: options.attempt, branch: options.branch, prompt: options.prompt };
  const message = options.style === 'squash' ? squashMessage(input) : landingMessage(input);
  return { options, branchTip, base, ident: await identityArgs(repo), message };
}

/**
 * Land an attempt branch on the target exactly once, touching no checkout except a clean one of the target.
 * Per try: re-read the tip; stop if the task's trailer is already in `base..tip`; merge in the object store;
 * commit with the trailer; verify; move the ref by compare-and-swap. A lost race retries on the new tip
 * (up to `maxTries`, with jitter); running out throws `LAND_CONTENDED`. Landers of one repository take turns
 * for the short step from reading the tip to the swap (see `serialize`); verification runs outside it.
 */
export async function landAttempt(options: LandOptions): Promise<LandResult> {
  const { repo, target, taskId } = options;
  const maxTries = triesOption(options.maxTries);
  const a = await prepareLanding(options);
  if ('status' in a) return a;
  const turns = options.serialize === false ? undefined : (options.lockDir ?? (await defaultLockDir(repo)));
  let searchFrom = a.base;
  for (let tries = 1; tries <= maxTries; tries++) {
    const verified = options.verify ? await verifyOutside(a, searchFrom) : undefined;
    if (verified && 'status' in verified) return verified;
    const once = () => tryOnce(a, searchFrom, tries, verified);
    const step = turns ? await withRepoLock(turns, `land-${refSafeId(target)}`, once) : await once();
    if (step.status !== 'raced') return step;
    // base..tip is (base..old tip) + (old tip..tip): after a lost race only the new commits need a look.
    searchFrom = step.tip;
    await backoff(tries);
  }
  throw new PlError('LAND_CONTENDED', `Task ${taskId} could not land on ${target}: the branch moved under each of ${maxTries} tries.`, {
    details: { taskId, target, maxTries },
  });
}
