// Run the built CLI in a test repository and drop task files into its queue.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

export interface Started {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Start `parallel-loop <args>` in `cwd` with piped output, in its own process group. */
export function startCli(cwd: string, args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

export function runCli(cwd: string, args: string[], env: Record<string, string> = {}) {
  return startCli(cwd, args, env).done;
}

/** A git repository with one commit on main that lives until `remove()`, for a run shared by several tests. */
export function sharedRepo(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-status-shared-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test');
  git('config', 'user.email', 'test@example.com');
  fs.writeFileSync(path.join(dir, 'README.md'), '# test repo\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A shell task, written under queue/.tmp and renamed in the way writers must. */
export function shellTask(repo: string, id: string, run: string, extra: Record<string, unknown> = {}): void {
  const tmp = path.join(repo, 'queue', '.tmp', `${id}.json`);
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify({ agent: 'shell', run, prompt: `Task ${id}`, touches: [`${id}.txt`], ...extra }));
  fs.renameSync(tmp, path.join(repo, 'queue', `${id}.json`));
}
