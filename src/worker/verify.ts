import { git } from '../git/repo.js';

/**
 * Run the task's verify command on the merged result, in the attempt's own worktree: check out the
 * merge commit detached, run the command (the user wrote it, so it runs through /bin/sh), then return
 * the worktree to the attempt's branch whatever happened.
 */
export async function verifyInWorktree(
  worktree: string,
  branch: string,
  merged: string,
  command: string,
  options: { timeoutMs: number },
): Promise<{ ok: boolean; output: string }> {
  await git(worktree, ['checkout', '--quiet', '--detach', merged]);
  // Loaded when a task has a verify command, not when every worker starts.
  const { execa } = await import('execa');
  try {
    // Detached, like git: a Ctrl-C meant as "finish and land" must not fail the check (`run --single`).
    const run = await execa('/bin/sh', ['-c', command], { cwd: worktree, all: true, reject: false, timeout: options.timeoutMs, env: { PL_VERIFY: '1' }, detached: true });
    const output = `$ ${command}\n${run.all ?? ''}\n(exit ${run.exitCode ?? run.signal ?? 'unknown'}${run.timedOut ? ', timed out' : ''})`;
    return { ok: run.exitCode === 0 && !run.timedOut, output };
  } finally {
    await git(worktree, ['checkout', '--quiet', '--force', branch]).catch(() => undefined);
  }
}
