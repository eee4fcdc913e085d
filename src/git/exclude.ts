import fs from 'node:fs';
import path from 'node:path';
import { git, runGit } from './repo.js';
import { canonicalPath } from './worktree-list.js';

/** The `info/exclude` line that ignores a folder at `rel` (posix, relative to the repository root), anchored and with glob characters escaped. */
export function excludePattern(rel: string): string {
  return `/${rel.replace(/[*?[\\]/g, '\\$&').replace(/ $/, '\\ ')}/`;
}

/**
 * Make git ignore the state folder in the user's repository, so worktrees, claims and logs never show up in
 * `git status` or get committed by `git add -A`. Appends an anchored pattern to `.git/info/exclude` (local to this
 * clone), never to `.gitignore`: the user's tracked files are theirs. Nothing is written when the folder is
 * outside the repository or already ignored. Returns whether a line was added.
 */
export async function ensureStateIgnored(repo: string, stateDir: string): Promise<boolean> {
  const { root, excludeFile } = await whereToExclude(repo);
  const rel = path.relative(canonicalPath(root), canonicalPath(stateDir));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const relPosix = rel.split(path.sep).join('/');
  const pattern = excludePattern(relPosix);
  let text = '';
  try {
    text = fs.readFileSync(excludeFile, 'utf8');
  } catch {
    fs.mkdirSync(path.dirname(excludeFile), { recursive: true });
  }
  // Our own line from an earlier run: ignored, with no git process to ask (every run after the first).
  if (text.split(/\r?\n/).includes(pattern)) return false;
  const { exitCode } = await runGit(root, ['check-ignore', '--quiet', '--', `${relPosix}/`], { okCodes: [0, 1, 128] });
  if (exitCode === 0) return false;
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  fs.appendFileSync(excludeFile, `${separator}# parallel-loop state: worktrees, claims, logs\n${pattern}\n`);
  return true;
}

/** The repository's top level and its `info/exclude` file, in one git call (two when a path does not fit on a line). */
async function whereToExclude(repo: string): Promise<{ root: string; excludeFile: string }> {
  const lines = (await git(repo, ['rev-parse', '--show-toplevel', '--git-path', 'info/exclude'])).split('\n');
  if (lines.length === 2 && path.isAbsolute(lines[0]!)) return { root: lines[0]!, excludeFile: path.resolve(repo, lines[1]!) };
  const root = await git(repo, ['rev-parse', '--show-toplevel']);
  return { root, excludeFile: path.resolve(root, await git(root, ['rev-parse', '--git-path', 'info/exclude'])) };
}
