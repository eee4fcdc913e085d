// A shared remote for landing tests: a bare repository `origin.git` with `main`, and clones of it, each a
// person's or a run's own repository, all on local disk.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { initRepo, tmpDir } from './tmp.js';

export interface Remote {
  /** The bare repository every clone pushes to. */
  origin: string;
  /** The run's clone (origin as `origin`), with its own `main` at the initial commit. */
  repo: string;
  root: string;
}

export function run(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A bare `origin.git` holding one commit on main, and a clone of it in `work/`. */
export function bareRemote(files: Record<string, string> = { 'README.md': '# shared\n' }): Remote {
  const root = tmpDir('pl-remote-');
  fs.mkdirSync(path.join(root, 'seed'));
  const seed = initRepo(path.join(root, 'seed'), files);
  const origin = path.join(root, 'origin.git');
  run(root, 'init', '-q', '--bare', '-b', 'main', origin);
  run(seed, 'push', '-q', origin, 'main:main');
  return { origin, repo: cloneOf(origin, path.join(root, 'work')), root };
}

/** A clone of `origin` at `dir`, with an identity to commit as. */
export function cloneOf(origin: string, dir: string): string {
  run(path.dirname(dir), 'clone', '-q', origin, dir);
  run(dir, 'config', 'user.name', 'Test');
  run(dir, 'config', 'user.email', 'test@example.com');
  return dir;
}

/** How often each task's trailer is on `branch`'s first-parent line in `repo` (a bare remote, say). */
export function trailerCounts(repo: string, branch = 'main'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of run(repo, 'log', '--first-parent', '--format=%B', branch).split('\n')) {
    const m = /^Parallel-Loop-Task: (.+)$/.exec(line);
    if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  return counts;
}

/** Install a server-side hook in the bare repository. */
export function hook(origin: string, name: string, script: string): void {
  const file = path.join(origin, 'hooks', name);
  fs.writeFileSync(file, script, { mode: 0o755 });
}

/**
 * Make `repo` push over SSH to a host whose SSH refuses the key, the way a real one does (fetching from
 * the bare repository still works): `Permission denied (publickey).`, then git's "Could not read from remote
 * repository" and exit 128.
 */
export function refusePushAuth(repo: string, root: string): void {
  const ssh = path.join(root, 'refusing-ssh');
  fs.writeFileSync(ssh, '#!/bin/sh\necho "git@git.example.invalid: Permission denied (publickey)." >&2\nexit 255\n', { mode: 0o755 });
  run(repo, 'config', 'core.sshCommand', ssh);
  run(repo, 'config', 'remote.origin.pushurl', 'ssh://git@git.example.invalid/shared.git');
}
