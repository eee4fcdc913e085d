import { git } from '../git/repo.js';
import { withChangelogEntry, type ChangelogEntry } from './changelog-tree.js';
import { mergeTrees } from './merge-tree.js';
import { landingMessage, squashMessage, type LandingMessageInput } from './trailers.js';

/** How a landing commit is made. */
export type LandStyle = 'merge' | 'squash';

/** What a landing did to the changelog: the entry it added, and whether it left out the branch's own change to the file. */
export interface ChangelogReport {
  entry: string;
  dropped: boolean;
}

/** What one branch's landing commit is made of, whatever tip it goes on. */
export interface MergeInput {
  repo: string;
  /** The commit of the attempt branch to bring in. */
  branchTip: string;
  /** `-c user.name=… -c user.email=…` for commit-tree (git/identity.ts `identityArgs`). */
  ident: string[];
  /** The landing commit's message, trailers included (see messageFor). */
  message: string;
  style?: LandStyle;
  changelog?: ChangelogEntry;
}

/** A landing commit made in the object store, not yet on any ref. */
export interface Merged {
  commit: string;
  changelog?: ChangelogReport;
}

/** A merge that conflicted, with git's notices; `tip` is the commit it was tried on. */
export interface MergeConflict {
  status: 'conflict';
  files: string[];
  details: string;
  tip: string;
}

/**
 * Merge `input.branchTip` onto `tip` in the object store and commit it (a squash has `tip` as its only
 * parent), with the changelog entry when there is one; nothing moves. A conflict is returned as a result,
 * except one in the changelog alone, whose branch side is left out anyway. A batch lander calls this once
 * per branch, each onto the commit the one before made.
 */
export async function mergeOnto(input: MergeInput, tip: string): Promise<Merged | MergeConflict> {
  const { repo, changelog } = input;
  const merge = await mergeTrees(repo, tip, input.branchTip);
  const onlyChangelog = changelog !== undefined && merge.files.length > 0 && merge.files.every((f) => f === changelog.file);
  if (!merge.clean && !onlyChangelog) return { status: 'conflict', files: merge.files, details: merge.messages.join('\n'), tip };
  const written = changelog ? await withChangelogEntry(repo, tip, merge.tree, changelog) : undefined;
  const parents = input.style === 'squash' ? ['-p', tip] : ['-p', tip, '-p', input.branchTip];
  const commit = await git(repo, [...input.ident, 'commit-tree', written?.tree ?? merge.tree, ...parents, '-m', input.message]);
  return { commit, changelog: written && changelog ? { entry: changelog.entry, dropped: written.dropped } : undefined };
}

/** The message of one task's landing commit, by its style: its trailers are what makes it a landing. */
export function messageFor(input: LandingMessageInput & { style?: LandStyle }): string {
  const fields = { taskId: input.taskId, title: input.title, attempt: input.attempt, branch: input.branch, prompt: input.prompt };
  return input.style === 'squash' ? squashMessage(fields) : landingMessage(fields);
}
