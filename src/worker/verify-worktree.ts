import fs from 'node:fs';
import path from 'node:path';
import { git, runGit } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { prepareWorktree } from '../git/prepare.js';
import { runShellLine } from '../proc/run-shell.js';
import { verifyWorktree, type Layout } from '../queue/layout.js';

export interface LanderVerifyOptions {
  layout: Layout;
  agentId: string;
  command: string;
  timeoutMs: number;
  killGraceMs?: number;
  /** Copied into the worktree and run once, when it is made (as in an attempt's worktree). */
  copy?: string[];
  setup?: string;
}

/**
 * Run a batch's verify command on `commit` in the lander's own worktree (`<state>/verify/<agent>`), kept
 * between batches so the set-up (e.g. `npm ci`) is paid once: the commit is checked out detached and
 * whatever the last run left untracked is cleaned, ignored folders (node_modules, build caches) stay.
 * `PL_TASKS` names the tasks whose landings the commit holds.
 */
export async function verifyBatchCommit(o: LanderVerifyOptions, commit: string, tasks: string[]): Promise<{ ok: boolean; output: string }> {
  const dir = await checkout(o, commit);
  const run = await runShellLine(o.command, { cwd: dir, env: { PL_VERIFY: '1', PL_TASKS: tasks.join(' ') }, timeoutMs: o.timeoutMs, killGraceMs: o.killGraceMs });
  const end = run.timedOut ? run.why : `exit ${run.exitCode ?? run.signal ?? 'unknown'}`;
  return { ok: run.ok, output: `$ ${o.command}\n${run.output}\n(${end})` };
}

async function checkout(o: LanderVerifyOptions, commit: string): Promise<string> {
  const dir = verifyWorktree(o.layout, o.agentId);
  if (fs.existsSync(path.join(dir, '.git'))) {
    const switched = await runGit(dir, ['checkout', '--quiet', '--detach', '--force', commit], { okCodes: [0, 1, 128] });
    if (switched.exitCode === 0) {
      await git(dir, ['clean', '-fdq']);
      return dir;
    }
  }
  // New, or the remains of a lander that died while making it: made again from scratch.
  const repo = o.layout.repo;
  // The same lock as every other worktree add of this clone (git/worktree.ts lockWorktrees).
  await withRepoLock(o.layout.locks, 'worktree', async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await git(repo, ['worktree', 'prune']);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    await git(repo, ['worktree', 'add', '--quiet', '--detach', dir, commit]);
  });
  await prepareWorktree({ worktree: dir, repo, copy: o.copy, setup: o.setup, killGraceMs: o.killGraceMs, skip: [o.layout.queue, o.layout.state] });
  return dir;
}
