import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { git, revParse } from './repo.js';

// Reading a ref from its loose file (and git's records from its own folder) costs a few syscalls where `git rev-parse` costs a process (3 ms on a quiet
// 2-core machine, 10 ms and more under load), and an attempt asks twice: its base (the target's tip) and the
// commit it just made. Git writes a loose ref by renaming `<ref>.lock` over it, so the file is never torn. When
// there is no loose file (a packed ref, the reftable format, an unusual layout), git answers as before.

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** The git dir of a checkout: `<dir>/.git`, or the folder a linked worktree's `.git` file names. */
export function gitDirOf(dir: string): string | undefined {
  const dotGit = path.join(dir, '.git');
  try {
    const stat = fs.lstatSync(dotGit);
    if (stat.isDirectory()) return dotGit;
    if (!stat.isFile()) return undefined;
    const match = /^gitdir: (.+?)\r?\n?$/.exec(fs.readFileSync(dotGit, 'utf8'));
    return match?.[1] ? path.resolve(dir, match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the refs of a git dir live: the git dir itself, or the main one its `commondir` file names. */
function commonDirOf(gitDir: string): string {
  try {
    return path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

function readObjectId(file: string): string | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return OBJECT_ID.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The loose ref `refs/heads/<branch>` of the repository checked out at `dir`, if its file is there. */
function looseBranch(dir: string, branch: string): string | undefined {
  // A name git would refuse as a branch is git's to judge, never a path to read.
  if (branch.split('/').some((part) => part === '' || part.startsWith('.'))) return undefined;
  const gitDir = gitDirOf(dir);
  return gitDir ? readObjectId(path.join(commonDirOf(gitDir), 'refs', 'heads', ...branch.split('/'))) : undefined;
}

/**
 * Whether git has a linked worktree registered for the repository at `repo` (an entry under
 * `<common git dir>/worktrees/`). True when the layout cannot be read plainly, so a caller errs on asking git.
 */
export function hasLinkedWorktrees(repo: string): boolean {
  const gitDir = gitDirOf(repo);
  if (!gitDir) return true;
  try {
    return fs.readdirSync(path.join(commonDirOf(gitDir), 'worktrees')).length > 0;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * The tip of branch `branch` and that commit's tree, from the loose ref and the loose commit object (a commit
 * `git commit-tree` or `git commit` just wrote is loose until git packs it). Undefined when either is not a
 * plain file: the caller asks git. A landing reads the tip this way on every try, holding the landing turn.
 */
export function branchTipAndTree(repo: string, branch: string): { tip: string; tree: string } | undefined {
  const tip = looseBranch(repo, branch);
  const tree = tip ? commitTreeFromFile(repo, tip) : undefined;
  return tip && tree ? { tip, tree } : undefined;
}

/** The tree of `commit` from its loose object in the repository at `dir`; undefined when it is not loose (or no commit). */
export function commitTreeFromFile(dir: string, commit: string): string | undefined {
  const gitDir = OBJECT_ID.test(commit) ? gitDirOf(dir) : undefined;
  if (!gitDir) return undefined;
  try {
    const object = zlib.inflateSync(fs.readFileSync(path.join(commonDirOf(gitDir), 'objects', commit.slice(0, 2), commit.slice(2))));
    return /^commit \d+\0tree ([0-9a-f]{40}|[0-9a-f]{64})\n/.exec(object.subarray(0, 100).toString('latin1'))?.[1];
  } catch {
    return undefined;
  }
}

/** The commit branch `branch` of the repository at `repo` points at; undefined when there is no such branch. */
export async function branchTip(repo: string, branch: string): Promise<string | undefined> {
  return looseBranch(repo, branch) ?? (await revParse(repo, `refs/heads/${branch}`));
}

/** The commit checked out in `worktree` (its HEAD), as `git rev-parse HEAD` gives it. */
export async function headCommit(worktree: string): Promise<string> {
  const gitDir = gitDirOf(worktree);
  if (gitDir) {
    try {
      const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
      const ref = /^ref: refs\/heads\/(.+)$/.exec(head)?.[1];
      const found = ref ? readObjectId(path.join(commonDirOf(gitDir), 'refs', 'heads', ...ref.split('/'))) : OBJECT_ID.test(head) ? head : undefined;
      if (found) return found;
    } catch {
      // no readable HEAD: git says below
    }
  }
  return git(worktree, ['rev-parse', 'HEAD']);
}

/**
 * The branch checked out in the checkout at `dir` (full ref name, as `git symbolic-ref HEAD` gives it),
 * read from its HEAD file; null when HEAD is detached there; undefined when the file cannot be read
 * plainly (the caller asks git).
 */
export function headBranchFile(dir: string): string | null | undefined {
  const gitDir = gitDirOf(dir);
  if (!gitDir) return undefined;
  try {
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (OBJECT_ID.test(head)) return null;
    return /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The folders of the checkouts that have `branchRef` (e.g. `refs/heads/main`) checked out, as `git worktree list`
 * gives them (the main checkout first), read from git's records: the main checkout's HEAD, and each linked
 * worktree's `worktrees/<id>/HEAD` and `gitdir` (one whose folder is gone is git's "prunable", and left out).
 * Every landing asks; this spares it a git process. Undefined when anything does not read plainly (a bare or
 * separate git dir, `core.worktree`, a HEAD git would have to resolve): the caller asks git.
 */
export function branchCheckoutsFromFiles(repo: string, branchRef: string): string[] | undefined {
  const gitDir = gitDirOf(repo);
  if (!gitDir) return undefined;
  const common = commonDirOf(gitDir);
  if (path.basename(common) !== '.git') return undefined;
  try {
    // A bare repository, or a main worktree that core.worktree puts elsewhere: git knows where.
    if (/^\s*(bare\s*=\s*true|worktree\s*=)/im.test(fs.readFileSync(path.join(common, 'config'), 'utf8'))) return undefined;
    const found: string[] = [];
    const main = headRef(path.join(common, 'HEAD'));
    if (main === undefined) return undefined;
    if (main === branchRef) found.push(fs.realpathSync(path.dirname(common)));
    let ids: string[] = [];
    try {
      ids = fs.readdirSync(path.join(common, 'worktrees')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    for (const id of ids) {
      const record = path.join(common, 'worktrees', id);
      const head = headRef(path.join(record, 'HEAD'));
      if (head === undefined) return undefined;
      if (head !== branchRef) continue;
      const dotGit = fs.readFileSync(path.join(record, 'gitdir'), 'utf8').replace(/\r?\n$/, '');
      if (!path.isAbsolute(dotGit) || path.basename(dotGit) !== '.git') return undefined;
      if (fs.existsSync(dotGit)) found.push(path.dirname(dotGit));
    }
    return found;
  } catch {
    return undefined;
  }
}

// The full ref a HEAD file names; null when it holds a commit (detached); undefined when it reads otherwise.
function headRef(file: string): string | null | undefined {
  const head = fs.readFileSync(file, 'utf8').trim();
  if (OBJECT_ID.test(head)) return null;
  return /^ref: (refs\/\S+)$/.exec(head)?.[1];
}
