import fs from 'node:fs';
import path from 'node:path';
import { git, revParse } from './repo.js';

// Reading a ref from its loose file (and git's records from its own folder) costs a few syscalls where `git rev-parse` costs a process (3 ms on a quiet
// 2-core machine, 10 ms and more under load), and an attempt asks twice: its base (the target's tip) and the
// commit it just made. Git writes a loose ref by renaming `<ref>.lock` over it, so the file is never torn. When
// there is no loose file (a packed ref, the reftable format, an unusual layout), git answers as before.

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** The git dir of a checkout: `<dir>/.git`, or the folder a linked worktree's `.git` file names. */
function gitDirOf(dir: string): string | undefined {
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
