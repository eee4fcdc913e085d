import { runGit } from '../git/repo.js';

/** A merge computed in the object store, without any checkout. */
export interface TreeMerge {
  clean: boolean;
  /** The merged tree; on a conflict it holds conflict markers and is not to be committed. */
  tree: string;
  /** Paths with conflicts, each once. */
  files: string[];
  /** git's own conflict notices, e.g. `CONFLICT (content): Merge conflict in a.txt`. */
  messages: string[];
}

/**
 * Parse `git merge-tree --write-tree -z --name-only` output: the tree, NUL; conflicted paths, each NUL-ended;
 * an empty field; then messages as `<count>, <count> paths, <type>, <text>`, each field NUL-ended.
 * A clean merge prints only the tree.
 */
export function parseMergeTree(stdout: string, clean: boolean): TreeMerge {
  const fields = stdout.split('\0');
  const tree = (fields[0] ?? '').trim();
  const files: string[] = [];
  let i = 1;
  for (; i < fields.length && fields[i] !== ''; i++) files.push(fields[i] as string);
  i++;
  const messages: string[] = [];
  while (i < fields.length && fields[i] !== '') {
    const count = Number(fields[i]);
    if (!Number.isInteger(count) || count < 0) break;
    const text = fields[i + count + 2];
    if (text !== undefined) messages.push(text.trimEnd());
    i += count + 3;
  }
  return { clean, tree, files: [...new Set(files)], messages };
}

/**
 * Merge two commits the way `git merge` would (merge-ort, the merge base found by git), writing only
 * objects: no index, no worktree, no ref is touched. Needs git 2.38. Unrelated histories are refused by git
 * (GIT_FAILED), as `git merge` would.
 */
export async function mergeTrees(repo: string, ours: string, theirs: string): Promise<TreeMerge> {
  const { stdout, exitCode } = await runGit(repo, ['merge-tree', '--write-tree', '-z', '--name-only', '--messages', ours, theirs], { okCodes: [0, 1] });
  return parseMergeTree(stdout, exitCode === 0);
}
