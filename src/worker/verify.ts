import { git } from '../git/repo.js';
import { runShellLine } from '../proc/run-shell.js';

/**
 * Run the task's verify command on the merged result, in the attempt's own worktree: check out the
 * merge commit detached, run the command (the user wrote it, so it runs through /bin/sh; nothing it
 * starts outlives it), then return the worktree to the attempt's branch whatever happened.
 */
export async function verifyInWorktree(
  worktree: string,
  branch: string,
  merged: string,
  command: string,
  options: { timeoutMs: number; killGraceMs?: number },
): Promise<{ ok: boolean; output: string }> {
  await git(worktree, ['checkout', '--quiet', '--detach', merged]);
  try {
    const run = await runShellLine(command, { cwd: worktree, env: { PL_VERIFY: '1' }, timeoutMs: options.timeoutMs, killGraceMs: options.killGraceMs });
    const end = run.timedOut ? run.why : `exit ${run.exitCode ?? run.signal ?? 'unknown'}`;
    return { ok: run.ok, output: `$ ${command}\n${run.output}\n(${end})` };
  } finally {
    await git(worktree, ['checkout', '--quiet', '--force', branch]).catch(() => undefined);
  }
}
