import fs from 'node:fs';
import path from 'node:path';
import { git } from './repo.js';

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  path: string;
  /** The checked-out commit; absent in a bare repository's entry. */
  head?: string;
  /** Full ref name, e.g. `refs/heads/main`; absent when detached. */
  branch?: string;
  bare: boolean;
  detached: boolean;
  /** Lock reason ('' when locked without one); absent when not locked. */
  locked?: string;
  /** Why git would prune it (its folder is gone); absent when it is fine. */
  prunable?: string;
}

/** Parse `git worktree list --porcelain -z` (records of NUL-terminated `key value` lines, an empty line between records). */
export function parseWorktreeList(text: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const line of text.split('\0')) {
    if (line === '') {
      current = undefined;
      continue;
    }
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'worktree') {
      current = { path: value, bare: false, detached: false };
      entries.push(current);
    } else if (current) {
      if (key === 'HEAD') current.head = value;
      else if (key === 'branch') current.branch = value;
      else if (key === 'bare') current.bare = true;
      else if (key === 'detached') current.detached = true;
      else if (key === 'locked') current.locked = value;
      else if (key === 'prunable') current.prunable = value;
    }
  }
  return entries;
}

/** Every worktree of the repository at `repo` (the main checkout first). */
export async function listWorktrees(repo: string): Promise<WorktreeEntry[]> {
  return parseWorktreeList(await git(repo, ['worktree', 'list', '--porcelain', '-z']));
}

/** A path made comparable with the ones git prints (symlinks such as macOS /tmp resolved, as far as they exist). */
export function canonicalPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(canonicalPath(parent), path.basename(abs));
  }
}

/** The worktree registered at `dir`, if any. */
export function findWorktree(entries: WorktreeEntry[], dir: string): WorktreeEntry | undefined {
  const want = canonicalPath(dir);
  return entries.find((e) => canonicalPath(e.path) === want);
}
