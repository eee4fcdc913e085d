import fs from 'node:fs';
import path from 'node:path';
import { PlError, errnoCode } from '../errors.js';
import { git } from './repo.js';
import { canonicalPath } from './worktree-list.js';
import { runShellLine } from '../proc/run-shell.js';

/** File in the repository root listing untracked files to copy into every worktree, one gitignore-style pattern a line. */
export const WORKTREE_INCLUDE_FILE = '.worktreeinclude';

export interface PrepareOptions {
  /** The new worktree. */
  worktree: string;
  /** The user's main checkout, to copy untracked files from. */
  repo: string;
  /** Untracked files to copy (like `.env`), as gitignore-style patterns; `.worktreeinclude` adds more. Default none. */
  copy?: string[];
  /** Command run in the new worktree with `/bin/sh -c` (the user wrote it as a shell line in their config). Default none. */
  setup?: string;
  /** Extra environment for the setup command. */
  env?: NodeJS.ProcessEnv;
  /** The setup command's whole process tree is killed after this long. Default 600,000 ms. */
  setupTimeoutMs?: number;
  /** Milliseconds from SIGTERM to SIGKILL when the setup command's tree is killed. Default 5000. */
  killGraceMs?: number;
  /**
   * Folders never copied from. Always skipped as well: the folder holding the worktrees and, when it is not
   * the repository root, the folder holding that (the state folder in the standard layout: its logs and
   * claims are no project files).
   */
  skip?: string[];
  /** Called once the files are copied, before the setup command runs (to record them while set-up may still fail). */
  onCopied?: (copied: string[]) => void;
}

export interface PreparedWorktree {
  /** Paths (relative to the repository root) copied into the worktree. */
  copied: string[];
  /** Paths that matched but already existed in the worktree (a reused worktree keeps its own copy). */
  existing: string[];
  /** Combined stdout and stderr of the setup command (its last megabyte), or undefined without one. */
  setupOutput?: string;
}

/** The patterns of a `.worktreeinclude` file: one per line, blank lines and `#` comments left out. */
export function parseIncludeFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function readIncludeFile(root: string): string[] {
  try {
    return parseIncludeFile(fs.readFileSync(path.join(root, WORKTREE_INCLUDE_FILE), 'utf8'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

// git matches the patterns itself (gitignore syntax, the same the user knows from .gitignore) and lists only
// untracked files: tracked ones are already in the worktree.
async function untrackedMatching(root: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const out = await git(root, ['ls-files', '-z', '--others', '--ignored', ...patterns.map((p) => `--exclude=${p}`)]);
  return out.split('\0').filter(Boolean);
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function stateFolders(root: string, worktree: string): string[] {
  const worktrees = path.dirname(worktree);
  const state = path.dirname(worktrees);
  return state === root || !isInside(state, root) ? [worktrees] : [worktrees, state];
}

// Never overwrite: a reused worktree may hold an edited copy.
function copyOne(from: string, to: string): boolean {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const stat = fs.lstatSync(from);
  try {
    if (stat.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Make a fresh worktree usable for a real project: copy the untracked files named by `copy` and by
 * `.worktreeinclude` from the main checkout, then run the `setup` command in the worktree.
 * A failing or timed-out setup throws PlError `SETUP_FAILED` with the tail of its output.
 */
// The repository's top level does not move while a run lasts: asked once per process.
const topLevels = new Map<string, string>();
async function topLevel(repo: string): Promise<string> {
  let root = topLevels.get(repo);
  if (!root) {
    root = canonicalPath(await git(repo, ['rev-parse', '--show-toplevel']));
    topLevels.set(repo, root);
  }
  return root;
}

export async function prepareWorktree(options: PrepareOptions): Promise<PreparedWorktree> {
  const root = await topLevel(options.repo);
  const worktree = canonicalPath(options.worktree);
  const skip = [...stateFolders(root, worktree), ...(options.skip ?? []).map(canonicalPath)];
  const patterns = [...(options.copy ?? []), ...readIncludeFile(root)];
  const copied: string[] = [];
  const existing: string[] = [];
  for (const rel of await untrackedMatching(root, patterns)) {
    const from = path.join(root, rel);
    if (skip.some((dir) => isInside(from, dir))) continue;
    (copyOne(from, path.join(worktree, rel)) ? copied : existing).push(rel);
  }
  options.onCopied?.([...copied, ...existing]);
  if (options.setup === undefined || options.setup.trim() === '') return { copied, existing };
  const timeout = options.setupTimeoutMs ?? 600_000;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new PlError('BAD_OPTION', `Expected the \`setupTimeoutMs\` option to be a positive integer, got \`${timeout}\` (${typeof timeout}).`);
  }
  const result = await runShellLine(options.setup, { cwd: worktree, env: options.env, timeoutMs: timeout, killGraceMs: options.killGraceMs });
  if (!result.ok) {
    throw new PlError('SETUP_FAILED', `The setup command \`${options.setup}\` ${result.why} in ${worktree}. Last output:\n${tail(result.output)}`, {
      details: { worktree, setup: options.setup, output: result.output },
    });
  }
  return { copied, existing, setupOutput: result.output };
}

/** The last `lines` lines of an output, for error messages. */
export function tail(output: string, lines = 30): string {
  const all = output.trimEnd().split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}
