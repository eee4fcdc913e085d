import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareAndSwapRef } from '../../src/merge/cas.js';
import { branchWithFiles, g, makeRepo } from '../git/fixture.js';

let repo: string;
let cleanup: () => void;
beforeEach(() => ({ repo, cleanup } = makeRepo('pl-cas-')));
afterEach(() => cleanup());

describe('compareAndSwapRef', () => {
  it('moves the ref and creates the backup together, only from the expected value', async () => {
    const base = g(repo, 'rev-parse', 'main');
    const one = branchWithFiles(repo, 'x', base, { 'x.txt': 'x' });
    const two = branchWithFiles(repo, 'y', base, { 'y.txt': 'y' });
    const backupRef = 'refs/parallel-loop/backup/t/1';
    expect(await compareAndSwapRef({ repo, ref: 'refs/heads/main', old: base, next: one, reason: 'test', backupRef })).toBe(true);
    expect(g(repo, 'rev-parse', 'main', backupRef)).toBe(`${one}\n${base}`);
    // A stale expected value: nothing moves, and the second backup is not created either (one transaction).
    const stale = { repo, ref: 'refs/heads/main', old: base, next: two, reason: 'test', backupRef: 'refs/parallel-loop/backup/t/2' };
    expect(await compareAndSwapRef(stale)).toBe(false);
    expect(g(repo, 'rev-parse', 'main')).toBe(one);
    expect(g(repo, 'for-each-ref', '--format=%(refname)', 'refs/parallel-loop/')).toBe(backupRef);
  });
});

describe('maxTries option', () => {
  it('is checked next to its use, naming what was expected and what was found', async () => {
    const { landAttempt } = await import('../../src/merge/land.js');
    const base = g(repo, 'rev-parse', 'main');
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    await expect(landAttempt({ repo, target: 'main', branch: 'pl/a/1', base, taskId: 'a', attempt: 1, maxTries: 0 })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: 'Expected the `maxTries` option to be a positive integer, got `0` (number).',
    });
  });
});
