import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { landAttempt } from '../../src/merge/land.js';
import { undoTask } from '../../src/merge/undo.js';
import { branchWithFiles, g, hashCheckout, makeRepo, trailerCount } from '../git/fixture.js';

let repo: string;
let cleanup: () => void;
let base: string;
beforeEach(() => {
  ({ repo, cleanup } = makeRepo('pl-undo-'));
  base = g(repo, 'rev-parse', 'main');
});
afterEach(() => cleanup());

async function land(id: string, files: Record<string, string>, style: 'merge' | 'squash' = 'merge'): Promise<string> {
  branchWithFiles(repo, `pl/${id}/1`, base, files);
  const result = await landAttempt({ repo, target: 'main', branch: `pl/${id}/1`, base, taskId: id, attempt: 1, style });
  if (result.status !== 'landed') throw new Error(`landing ${id}: ${result.status}`);
  return result.commit;
}

describe('undoTask', () => {
  it('reverts a squash landing, keeping the landings around it', async () => {
    await land('a', { 'a.txt': 'a\n' }, 'squash');
    const landing = await land('b', { 'b.txt': 'b\n', 'shared.txt': 'ONE\ntwo\nthree\n' }, 'squash');
    await land('c', { 'c.txt': 'c\n' }, 'squash');
    const result = await undoTask({ repo, target: 'main', taskId: 'b' });
    expect(result).toMatchObject({ status: 'reverted', landing });
    expect(g(repo, 'ls-tree', '-r', '--name-only', 'main').split('\n').sort()).toEqual(['README.md', 'a.txt', 'c.txt', 'shared.txt']);
    expect(g(repo, 'show', 'main:shared.txt')).toBe('one\ntwo\nthree');
    expect(trailerCount(repo, 'main', 'Parallel-Loop-Revert: b')).toBe(1);
    await expect(undoTask({ repo, target: 'main', taskId: 'b' })).rejects.toMatchObject({ code: 'NOT_LANDED' });
  });

  it('reverts one landed task, keeping later work, and fast-forwards the clean checkout', async () => {
    const landing = await land('a', { 'a.txt': 'a\n', 'shared.txt': 'ONE\ntwo\nthree\n' });
    await land('b', { 'b.txt': 'b\n' });
    fs.writeFileSync(path.join(repo, 'shared.txt'), 'ONE\ntwo\nthree\nuser line\n');
    g(repo, 'commit', '-q', '-am', 'user work after the landing');
    const result = await undoTask({ repo, target: 'main', taskId: 'a' });
    expect(result).toMatchObject({ status: 'reverted', landing, checkouts: [{ worktree: repo, state: 'updated' }] });
    expect(g(repo, 'ls-tree', '-r', '--name-only', 'main').split('\n').sort()).toEqual(['README.md', 'b.txt', 'shared.txt']);
    expect(g(repo, 'show', 'main:shared.txt')).toBe('one\ntwo\nthree\nuser line');
    expect(g(repo, 'log', '-1', '--format=%s', 'main')).toBe('Revert task a');
    expect(trailerCount(repo, 'main', 'Parallel-Loop-Revert: a')).toBe(1);
    expect(g(repo, 'rev-list', '--parents', '-1', 'main').split(' ')).toHaveLength(2);
    expect(g(repo, 'status', '--porcelain')).toBe('');
    expect(fs.existsSync(path.join(repo, 'a.txt'))).toBe(false);
  });

  it('says NOT_LANDED for a task never landed, or already undone', async () => {
    await expect(undoTask({ repo, target: 'main', taskId: 'ghost' })).rejects.toMatchObject({ code: 'NOT_LANDED', exitCode: 5 });
    await land('a', { 'a.txt': 'a\n' });
    expect((await undoTask({ repo, target: 'main', taskId: 'a' })).status).toBe('reverted');
    await expect(undoTask({ repo, target: 'main', taskId: 'a' })).rejects.toMatchObject({ code: 'NOT_LANDED' });
  });

  it('reports a conflict when later work changed the landed lines', async () => {
    await land('a', { 'shared.txt': 'ONE\ntwo\nthree\n' });
    fs.writeFileSync(path.join(repo, 'shared.txt'), 'ONE!\ntwo\nthree\n');
    g(repo, 'commit', '-q', '-am', 'user rewrote the landed line');
    const tip = g(repo, 'rev-parse', 'main');
    expect(await undoTask({ repo, target: 'main', taskId: 'a' })).toMatchObject({ status: 'conflict', files: ['shared.txt'] });
    expect(g(repo, 'rev-parse', 'main')).toBe(tip);
  });

  it('holds instead of moving the branch under a dirty checkout', async () => {
    await land('a', { 'a.txt': 'a\n' });
    fs.appendFileSync(path.join(repo, 'README.md'), 'editing\n');
    const before = hashCheckout(repo);
    const tip = g(repo, 'rev-parse', 'main');
    expect(await undoTask({ repo, target: 'main', taskId: 'a' })).toMatchObject({ status: 'held', worktree: repo });
    expect(hashCheckout(repo)).toEqual(before);
    expect(g(repo, 'rev-parse', 'main')).toBe(tip);
  });
});
