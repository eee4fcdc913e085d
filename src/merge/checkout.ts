import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { errnoCode } from '../errors.js';
import { git, gitDir, runGit } from '../git/repo.js';
import { canonicalPath, listWorktrees } from '../git/worktree-list.js';
import { branchCheckoutsFromFiles, commitTreeFromFile, gitDirOf } from '../git/ref-file.js';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';

/** What a checkout of the target looks like to a landing: safe to fast-forward, or to be left alone and why. */
export type CheckoutState = { worktree: string; state: 'clean'; indexTree: string } | { worktree: string; state: 'blocked'; reason: string };

/** Folders of worktrees that have `target` checked out (the user's main checkout included). */
export async function targetCheckouts(repo: string, target: string): Promise<string[]> {
  const fromFiles = branchCheckoutsFromFiles(repo, `refs/heads/${target}`);
  if (fromFiles) return fromFiles;
  const entries = await listWorktrees(repo);
  return entries.filter((e) => !e.bare && e.prunable === undefined && e.branch === `refs/heads/${target}`).map((e) => e.path);
}

const OPERATIONS: Array<[string, string]> = [
  ['MERGE_HEAD', 'a merge'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick'],
  ['REVERT_HEAD', 'a revert'],
  ['rebase-merge', 'a rebase'],
  ['rebase-apply', 'a rebase or `git am`'],
];

/**
 * What a landing's fast-forward left in a checkout's index: the index file as it was right after (inode, size,
 * modification time in ns) and the tree it held, the landed commit's. Beside the checkout's lock, written and read
 * under it. A later landing whose look finds the index file unchanged knows its tree without `git write-tree` on a
 * copy of the index (a process, and a copy of the whole index, held in the landing turn). Any write of the index
 * replaces the file (git renames `index.lock` over it), so a changed index never matches. The record is taken just
 * after `read-tree` released the index; a `git add` by the user in that millisecond would be taken for ours, and the
 * next fast-forward would then carry the staged change forward or refuse (read-tree's own checks), never drop it.
 */
interface IndexRecord {
  ino: string;
  size: string;
  mtimeNs: string;
  tree: string;
}

function indexFileIdentity(dir: string): Omit<IndexRecord, 'tree'> | undefined {
  try {
    const stat = fs.statSync(path.join(dir, 'index'), { bigint: true });
    return { ino: String(stat.ino), size: String(stat.size), mtimeNs: String(stat.mtimeNs) };
  } catch {
    return undefined;
  }
}

/** The name of a checkout's lock in the lock folder (fast-forward.ts); its index record is beside it. */
export function checkoutLockName(worktree: string): string {
  return `checkout-${createHash('sha1').update(canonicalPath(worktree)).digest('hex').slice(0, 12)}`;
}

function indexRecordFile(lockDir: string, worktree: string): string {
  return path.join(lockDir, `${checkoutLockName(worktree)}.index.json`);
}

/** After a fast-forward of `worktree` to `next` (under its lock): record the index file and the tree it now holds. */
export async function recordIndexTree(worktree: string, lockDir: string, next: string): Promise<void> {
  const file = indexRecordFile(lockDir, worktree);
  const dir = await checkoutGitDir(worktree);
  const identity = indexFileIdentity(dir);
  const tree = commitTreeFromFile(worktree, next);
  if (identity && tree) writeJsonAtomic(file, { ...identity, tree } satisfies IndexRecord);
  else fs.rmSync(file, { force: true });
}

function recordedIndexTree(lockDir: string | undefined, worktree: string, dir: string): string | undefined {
  if (!lockDir) return undefined;
  const record = readJsonOrUndefined<IndexRecord>(indexRecordFile(lockDir, worktree));
  const identity = record && indexFileIdentity(dir);
  return identity && record.ino === identity.ino && record.size === identity.size && record.mtimeNs === identity.mtimeNs ? record.tree : undefined;
}

// The tree the index holds, computed from a copy: `git write-tree` on the real index would rewrite the index
// file (to cache the tree), and the user's files, index included, stay byte-for-byte unless we fast-forward.
async function indexTree(worktree: string, dir: string): Promise<string | undefined> {
  const copy = path.join(os.tmpdir(), `pl-index-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    try {
      fs.copyFileSync(path.join(dir, 'index'), copy);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    const { stdout, exitCode } = await runGit(worktree, ['write-tree'], { env: { GIT_INDEX_FILE: copy }, okCodes: [0, 128] });
    return exitCode === 0 ? stdout.trim() : undefined;
  } finally {
    fs.rmSync(copy, { force: true });
    fs.rmSync(`${copy}.lock`, { force: true });
  }
}

// Paths the fast-forward would create that are already on disk (untracked or ignored files, or a file where a
// folder must go): git's read-tree would refuse, and we say why before moving anything.
async function pathsInTheWay(worktree: string, from: string, to: string): Promise<string[]> {
  const added = (await git(worktree, ['diff', '--name-only', '-z', '--no-renames', '--diff-filter=A', from, to])).split('\0').filter(Boolean);
  return added.filter((rel) => {
    try {
      fs.lstatSync(path.join(worktree, rel));
      return true;
    } catch (err) {
      return errnoCode(err) !== 'ENOENT';
    }
  });
}

/**
 * The git dir of a checkout, read the way git finds it: `<worktree>/.git` is that folder, or a file
 * `gitdir: <path>` naming it (a linked worktree). Asks git only when neither reads plainly.
 */
async function checkoutGitDir(worktree: string): Promise<string> {
  const dir = gitDirOf(worktree);
  try {
    if (dir && fs.statSync(dir).isDirectory()) return dir;
  } catch {
    // Named but not there.
  }
  // Unusual layout, or a git dir that is not there: let git say.
  return gitDir(worktree);
}

export interface InspectOptions {
  /** How many first-parent tips of the checkout's branch an index may equal. Default 1000. */
  recentTips?: number;
  /** Trees known to be among those tips (e.g. the tip's own, read with it): an index holding one needs no history walk. */
  knownTipTrees?: string[];
  /** The checkout locks' folder, where the last fast-forward recorded the index it left (see IndexRecord). */
  lockDir?: string;
}

/**
 * Whether the checkout `worktree` (on the target, at its tip or behind it) can be fast-forwarded to `next`
 * without losing anything of the user's: no operation in progress, an index equal to one of the target's
 * recent tips (nothing staged), no unstaged changes to tracked files, and no untracked file where `next` adds one.
 * Reads only; never writes the index (`--no-optional-locks` stops git status/diff refreshing it).
 */
export async function inspectCheckout(worktree: string, next: string, options: InspectOptions | number = {}): Promise<CheckoutState> {
  const { recentTips = 1000, knownTipTrees = [], lockDir } = typeof options === 'number' ? { recentTips: options } : options;
  const dir = await checkoutGitDir(worktree);
  for (const [file, what] of OPERATIONS) {
    if (fs.existsSync(path.join(dir, file))) return { worktree, state: 'blocked', reason: `${what} is in progress there` };
  }
  const tree = recordedIndexTree(lockDir, worktree, dir) ?? (await indexTree(worktree, dir));
  if (!tree) return { worktree, state: 'blocked', reason: 'its index has unresolved conflicts' };
  // Recent tips of the branch as it is now (HEAD names it), not just the newest: a `land-ref` landing or a lost
  // fast-forward leaves the index some tips behind, yet still holding nothing of the user's.
  if (!knownTipTrees.includes(tree)) {
    const tips = (await git(worktree, ['log', '--first-parent', `-n${recentTips}`, '--format=%T', 'HEAD'])).split('\n');
    if (!tips.includes(tree)) return { worktree, state: 'blocked', reason: 'it has staged changes' };
  }
  const unstaged = await runGit(worktree, ['--no-optional-locks', 'diff', '--no-ext-diff', '--quiet'], { okCodes: [0, 1] });
  if (unstaged.exitCode === 1) return { worktree, state: 'blocked', reason: 'it has unstaged changes to tracked files' };
  const inTheWay = await pathsInTheWay(worktree, tree, next);
  if (inTheWay.length > 0) {
    const list = inTheWay.slice(0, 5).join(', ') + (inTheWay.length > 5 ? ` and ${inTheWay.length - 5} more` : '');
    return { worktree, state: 'blocked', reason: `untracked files are where the landed work adds files: ${list}` };
  }
  return { worktree, state: 'clean', indexTree: tree };
}
