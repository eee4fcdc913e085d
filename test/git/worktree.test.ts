import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addAttemptWorktree, pruneWorktrees, removeAttemptWorktree } from '../../src/git/worktree.js';
import { listWorktrees } from '../../src/git/worktree-list.js';
import { attemptBranch, attemptWorktree, layoutFor, type Layout } from '../../src/queue/layout.js';
import { distModule, g, makeRepo } from './fixture.js';

let repo: string;
let cleanup: () => void;
let layout: Layout;
beforeEach(() => {
  ({ repo, cleanup } = makeRepo());
  layout = layoutFor(repo);
});
afterEach(() => cleanup());

describe('addAttemptWorktree', () => {
  it('creates the worktree of an attempt on its own branch from the base', async () => {
    const base = g(repo, 'rev-parse', 'main');
    const added = await addAttemptWorktree({ repo, layout, taskId: 'fix-login', gen: 1, base: 'main' });
    expect(added).toEqual({ path: attemptWorktree(layout, 'fix-login', 1), branch: 'pl/fix-login/1', head: base, reused: 'new' });
    expect(g(added.path, 'symbolic-ref', '--short', 'HEAD')).toBe('pl/fix-login/1');
    expect(fs.readFileSync(path.join(added.path, 'README.md'), 'utf8')).toBe('# test\n');
    expect(fs.existsSync(path.join(layout.state, 'locks', 'worktree.lock'))).toBe(false);
  });

  it('reuses the worktree of a crashed earlier try, work included', async () => {
    const first = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 2, base: 'main' });
    fs.writeFileSync(path.join(first.path, 'half-done.txt'), 'keep me');
    const again = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 2, base: 'main' });
    expect(again.reused).toBe('worktree');
    expect(fs.readFileSync(path.join(again.path, 'half-done.txt'), 'utf8')).toBe('keep me');
  });

  it('checks out a stray branch again instead of failing, keeping its commits', async () => {
    const first = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'main' });
    fs.writeFileSync(path.join(first.path, 'work.txt'), 'work');
    g(first.path, 'add', '.');
    g(first.path, 'commit', '-q', '-m', 'work');
    const tip = g(repo, 'rev-parse', 'pl/t/1');
    fs.rmSync(first.path, { recursive: true });
    const again = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'main' });
    expect(again).toMatchObject({ reused: 'branch', head: tip });
    expect(fs.readFileSync(path.join(again.path, 'work.txt'), 'utf8')).toBe('work');
  });

  it('replaces a worktree left "initializing" by a process that died mid-add', async () => {
    const dir = attemptWorktree(layout, 't', 1);
    g(repo, 'worktree', 'add', '-q', '-b', attemptBranch('t', 1), dir, 'main');
    g(repo, 'worktree', 'lock', '--reason', 'initializing', dir);
    fs.rmSync(path.join(dir, 'README.md'));
    const again = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'main' });
    expect(again.reused).toBe('branch');
    expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(true);
    expect((await listWorktrees(repo)).find((w) => w.path === dir)?.locked).toBeUndefined();
  });

  it('gives task ids with spaces and non-ASCII letters a valid branch', async () => {
    const added = await addAttemptWorktree({ repo, layout, taskId: 'réparer le bug', gen: 1, base: 'main' });
    expect(added.branch).toMatch(/^pl\/r-parer-le-bug-[0-9a-f]{8}\/1$/);
    expect(g(added.path, 'symbolic-ref', '--short', 'HEAD')).toBe(added.branch);
  });

  it('refuses a base that is not a commit', async () => {
    await expect(addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'no-such-branch' })).rejects.toMatchObject({ code: 'BAD_BASE' });
  });

  it('runs 8 adds at once in one process, all succeeding', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `task-${i}`);
    const added = await Promise.all(ids.map((taskId) => addAttemptWorktree({ repo, layout, taskId, gen: 1, base: 'main' })));
    expect(added.every((a) => a.reused === 'new')).toBe(true);
    expect((await listWorktrees(repo)).length).toBe(9);
  });

  it('runs 8 adds at once from 8 processes, all succeeding', async () => {
    const dist = path.dirname(path.dirname(distModule('git/worktree.js')));
    const fixture = path.join(import.meta.dirname, 'fixtures', 'add-worktree.mjs');
    const go = path.join(path.dirname(repo), 'go');
    const runs = Array.from({ length: 8 }, (_, i) => {
      const child = spawn(process.execPath, [fixture, dist, repo, `proc-${i}`, '1', go], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      return new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })));
    });
    await new Promise((r) => setTimeout(r, 800)); // every process loaded and polling
    fs.writeFileSync(go, '');
    const results = await Promise.all(runs);
    expect(results.filter((r) => r.code !== 0)).toEqual([]);
    const worktrees = await listWorktrees(repo);
    expect(worktrees.length).toBe(9);
    for (let i = 0; i < 8; i++) expect(worktrees.some((w) => w.branch === `refs/heads/pl/proc-${i}/1`)).toBe(true);
  });
});

describe('removeAttemptWorktree', () => {
  it('removes a worktree with untracked files but keeps the branch unless asked', async () => {
    const added = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'main' });
    fs.writeFileSync(path.join(added.path, '.env'), 'SECRET=1');
    const removed = await removeAttemptWorktree({ repo, layout, taskId: 't', gen: 1 });
    expect(removed).toEqual({ worktreeRemoved: true, branchDeleted: false });
    expect(fs.existsSync(added.path)).toBe(false);
    expect(g(repo, 'branch', '--list', 'pl/t/1')).toContain('pl/t/1');
  });

  it('refuses to remove uncommitted changes to tracked files without force', async () => {
    const added = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'main' });
    fs.appendFileSync(path.join(added.path, 'README.md'), 'edit\n');
    await expect(removeAttemptWorktree({ repo, layout, taskId: 't', gen: 1 })).rejects.toMatchObject({ code: 'WORKTREE_DIRTY' });
    expect(fs.existsSync(added.path)).toBe(true);
    expect((await removeAttemptWorktree({ repo, layout, taskId: 't', gen: 1, force: true })).worktreeRemoved).toBe(true);
  });

  it('deletes the branch only when the target contains it, or with force', async () => {
    const added = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'main' });
    fs.writeFileSync(path.join(added.path, 'new.txt'), 'x');
    g(added.path, 'add', '.');
    g(added.path, 'commit', '-q', '-m', 'unmerged work');
    const kept = await removeAttemptWorktree({ repo, layout, taskId: 't', gen: 1, deleteBranch: true, mergedInto: 'main' });
    expect(kept.branchDeleted).toBe(false);
    expect(kept.branchKept).toContain('main does not contain');
    g(repo, 'merge', '-q', '--no-edit', 'pl/t/1');
    const deleted = await removeAttemptWorktree({ repo, layout, taskId: 't', gen: 1, deleteBranch: true, mergedInto: 'main' });
    expect(deleted).toEqual({ worktreeRemoved: false, branchDeleted: true });
  });

  it('forgets a worktree whose folder was deleted by hand', async () => {
    const added = await addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'main' });
    fs.rmSync(added.path, { recursive: true });
    await pruneWorktrees(repo, layout);
    expect((await listWorktrees(repo)).length).toBe(1);
    expect(await removeAttemptWorktree({ repo, layout, taskId: 't', gen: 1, deleteBranch: true, force: true })).toEqual({
      worktreeRemoved: false,
      branchDeleted: true,
    });
  });
});
