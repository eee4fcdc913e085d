import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { git, runGit } from '../git/repo.js';
import { addChangelogEntry, removeChangelogEntries } from './changelog.js';

/** Which changelog the lander writes, and the line it adds for this task. */
export interface ChangelogEntry {
  /** Path of the file from the top of the repository, e.g. `CHANGELOG.md`. */
  file: string;
  entry: string;
}

/** The file's entry in a tree: mode and blob, or undefined when the tree has no such file. */
async function blobOf(repo: string, treeish: string, file: string): Promise<{ mode: string; blob: string } | undefined> {
  const out = await git(repo, ['ls-tree', '-z', '--full-tree', treeish, '--', file]);
  const match = /^(\d+) blob ([0-9a-f]+)\t/.exec(out);
  return match ? { mode: match[1]!, blob: match[2]! } : undefined;
}

/** `tree` with `file` replaced by a new blob, through a throwaway index: no checkout or real index is touched. */
export async function replaceInTree(repo: string, tree: string, file: string, mode: string, blob: string): Promise<string> {
  const index = path.join(os.tmpdir(), `pl-changelog-${process.pid}-${randomBytes(6).toString('hex')}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await git(repo, ['read-tree', tree], { env });
    await git(repo, ['update-index', '--add', '--cacheinfo', `${mode},${blob},${file}`], { env });
    return await git(repo, ['write-tree'], { env });
  } finally {
    fs.rmSync(index, { force: true });
    fs.rmSync(`${index}.lock`, { force: true });
  }
}

/**
 * The merged tree with the task's entry in the changelog, computed on `tip`'s version of the file: a
 * change the branch made to it is left out (`dropped`), since the file is the lander's to write.
 */
export async function withChangelogEntry(repo: string, tip: string, merged: string, changelog: ChangelogEntry): Promise<{ tree: string; dropped: boolean }> {
  const [onTip, onMerged] = await Promise.all([blobOf(repo, tip, changelog.file), blobOf(repo, merged, changelog.file)]);
  const dropped = onTip?.blob !== onMerged?.blob || onTip?.mode !== onMerged?.mode;
  const text = onTip ? await catBlob(repo, onTip.blob) : undefined;
  const next = addChangelogEntry(text, changelog.entry);
  const blob = await git(repo, ['hash-object', '-w', '--no-filters', '--stdin'], { input: next });
  return { tree: await replaceInTree(repo, merged, changelog.file, onTip?.mode ?? '100644', blob), dropped };
}

// `git()` trims a final newline; the file's own bytes are wanted here.
async function catBlob(repo: string, blob: string): Promise<string> {
  return (await runGit(repo, ['cat-file', 'blob', blob])).stdout;
}

/**
 * A revert's tree with the landing's entries taken out of `tip`'s changelog: where later landings added
 * entries next to the task's own, a 3-way revert of the file conflicts, though taking the line out is plain.
 */
export async function withoutChangelogEntries(repo: string, tip: string, reverted: string, landing: string, file: string): Promise<string> {
  const [onTip, before, after] = await Promise.all([blobOf(repo, tip, file), blobOf(repo, `${landing}^`, file), blobOf(repo, landing, file)]);
  if (!onTip || !after) return reverted;
  const text = await catBlob(repo, onTip.blob);
  const next = removeChangelogEntries(text, before ? await catBlob(repo, before.blob) : undefined, await catBlob(repo, after.blob));
  const blob = await git(repo, ['hash-object', '-w', '--no-filters', '--stdin'], { input: next });
  return replaceInTree(repo, reverted, file, onTip.mode, blob);
}
