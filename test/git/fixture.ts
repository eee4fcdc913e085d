import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initRepo } from '../helpers/tmp.js';

/** Run git synchronously in a test repo and return its output without the final newline. */
export function g(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
}

/** A fresh temp folder holding a git repo on `main` with one commit (README.md). Call `cleanup` after. */
export function makeRepo(prefix = 'pl-git-'): { dir: string; repo: string; cleanup: () => void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(repo);
  initRepo(repo, { 'README.md': '# test\n', 'shared.txt': 'one\ntwo\nthree\n' });
  return { dir, repo, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Make `branch` = `base` plus one commit writing `files`, without any checkout (a temporary index), the way an
 * agent's finished attempt branch looks. Returns the commit.
 */
export function branchWithFiles(repo: string, branch: string, base: string, files: Record<string, string>, message = `work on ${branch}`): string {
  const index = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pl-idx-')), 'index');
  const env = { ...process.env, GIT_INDEX_FILE: index };
  const run = (args: string[], input?: string) =>
    execFileSync('git', args, { cwd: repo, env, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  try {
    run(['read-tree', base]);
    for (const [file, content] of Object.entries(files)) {
      const blob = run(['hash-object', '-w', '--stdin'], content);
      run(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`]);
    }
    const tree = run(['write-tree']);
    const commit = run(['commit-tree', tree, '-p', base, '-m', message]);
    run(['update-ref', `refs/heads/${branch}`, commit]);
    return commit;
  } finally {
    fs.rmSync(path.dirname(index), { recursive: true, force: true });
  }
}

/** sha256 of every file in a checkout (untracked and ignored included, `.git` left out) plus `.git/index` and `.git/HEAD`. */
export function hashCheckout(repo: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(repo, full);
      if (rel === '.git') continue;
      if (entry.isDirectory()) walk(full);
      else out[rel] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    }
  };
  walk(repo);
  for (const file of ['index', 'HEAD']) out[`.git/${file}`] = createHash('sha256').update(fs.readFileSync(path.join(repo, '.git', file))).digest('hex');
  return out;
}

/** Subjects of the first-parent history of a ref, and how often a trailer line occurs in it. */
export function trailerCount(repo: string, ref: string, line: string): number {
  const log = g(repo, 'log', '--first-parent', '--format=%B', ref);
  return log.split('\n').filter((l) => l === line).length;
}

/** Absolute path of a built module in dist/, for fixtures run as separate node processes. */
export function distModule(rel: string): string {
  const file = path.resolve(import.meta.dirname, '..', '..', 'dist', rel);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -p .\` (npm test does) before these tests`);
  return file;
}
