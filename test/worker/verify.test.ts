// The verify command runs on the merged result in the attempt's worktree; at its timeout everything it
// started goes, not only the shell.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyInWorktree } from '../../src/worker/verify.js';
import { branchWithFiles, g, makeRepo } from '../git/fixture.js';
import { expectAllGone, readPids, waitFor } from '../proc/processes.js';

let dir: string;
let repo: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, repo, cleanup } = makeRepo('pl-verify-'));
});
afterEach(() => cleanup());

function attempt(): { worktree: string; merged: string } {
  const merged = branchWithFiles(repo, 'pl/t/1', g(repo, 'rev-parse', 'main'), { 'ok.txt': 'ok' });
  const worktree = path.join(dir, 'wt');
  g(repo, 'worktree', 'add', '-q', worktree, 'pl/t/1');
  return { worktree, merged };
}

describe('verifyInWorktree', () => {
  it('passes on the merged commit and returns the worktree to the branch', async () => {
    const { worktree, merged } = attempt();
    const result = await verifyInWorktree(worktree, 'pl/t/1', merged, 'test -f ok.txt && echo "verify=$PL_VERIFY"', { timeoutMs: 10_000, killGraceMs: 500 });
    expect(result).toMatchObject({ ok: true });
    expect(result.output).toContain('verify=1');
    expect(g(worktree, 'symbolic-ref', '--short', 'HEAD')).toBe('pl/t/1');
  });

  it('kills the whole tree at its timeout, grandchildren included, and says it timed out', async () => {
    const { worktree, merged } = attempt();
    const pidFile = path.join(dir, 'pids');
    const command = `sh -c 'sleep 300 & echo $! > ${pidFile}; wait'`;
    const result = await verifyInWorktree(worktree, 'pl/t/1', merged, command, { timeoutMs: 500, killGraceMs: 500 });
    await waitFor(() => readPids(pidFile).length > 0);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('timed out after 500 ms');
    await expectAllGone(readPids(pidFile));
  });

  it('leaves nothing running that the command started in the background', async () => {
    const { worktree, merged } = attempt();
    const pidFile = path.join(dir, 'pids');
    const result = await verifyInWorktree(worktree, 'pl/t/1', merged, `sleep 300 > /dev/null 2>&1 & echo $! > ${pidFile}`, { timeoutMs: 10_000, killGraceMs: 500 });
    expect(result.ok).toBe(true);
    expect(fs.existsSync(pidFile)).toBe(true);
    await expectAllGone(readPids(pidFile));
  });
});
