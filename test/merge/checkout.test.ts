import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { landAttempt, type LandOptions } from '../../src/merge/land.js';
import { branchWithFiles, g, hashCheckout, makeRepo } from '../git/fixture.js';

let repo: string;
let dir: string;
let cleanup: () => void;
let base: string;
beforeEach(() => {
  ({ repo, dir, cleanup } = makeRepo('pl-checkout-'));
  base = g(repo, 'rev-parse', 'main');
  branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'landed\n', 'docs/a.md': 'doc\n' });
});
afterEach(() => cleanup());

const opts = (extra: Partial<LandOptions> = {}): LandOptions => ({ repo, target: 'main', branch: 'pl/a/1', base, taskId: 'a', attempt: 1, ...extra });

/** A user in the middle of work: an edit, a staged new file, an untracked file, and a clean file whose stat data is stale. */
function dirty(): void {
  fs.appendFileSync(path.join(repo, 'shared.txt'), 'my edit\n');
  fs.writeFileSync(path.join(repo, 'staged.txt'), 'staged\n');
  g(repo, 'add', 'staged.txt');
  fs.writeFileSync(path.join(repo, 'notes.txt'), 'untracked\n');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(repo, 'README.md'), later, later);
}

describe('landing onto a branch that is checked out', () => {
  it('fast-forwards a clean main checkout, keeping its untracked files', async () => {
    fs.writeFileSync(path.join(repo, 'scratch.txt'), 'mine\n');
    const result = await landAttempt(opts());
    expect(result).toMatchObject({ status: 'landed', checkouts: [{ worktree: repo, state: 'updated' }] });
    expect(fs.readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('landed\n');
    expect(fs.readFileSync(path.join(repo, 'scratch.txt'), 'utf8')).toBe('mine\n');
    expect(g(repo, 'status', '--porcelain')).toBe('?? scratch.txt');
  });

  it('holds the task and leaves a dirty main checkout byte-for-byte untouched, index included', async () => {
    dirty();
    const before = hashCheckout(repo);
    const result = await landAttempt(opts());
    expect(result).toMatchObject({ status: 'held', worktree: repo });
    expect(result.status === 'held' && result.reason).toMatch(/checked out in .* and it has staged changes.*landed work as reverted/s);
    expect(hashCheckout(repo)).toEqual(before);
    expect(g(repo, 'rev-parse', 'main')).toBe(base);
  });

  it('after a fast-forward, a change the user stages is still seen by the next landing (the index record does not hide it)', async () => {
    expect(await landAttempt(opts())).toMatchObject({ status: 'landed', checkouts: [{ worktree: repo, state: 'updated' }] });
    // What the fast-forward recorded beside the checkout's lock is the index's true tree.
    const locks = path.join(repo, '.git', 'parallel-loop', 'locks');
    const records = fs.readdirSync(locks).filter((f) => f.endsWith('.index.json'));
    expect(records).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(locks, records[0]!), 'utf8')).tree).toBe(g(repo, 'write-tree'));
    const next = g(repo, 'rev-parse', 'main');
    branchWithFiles(repo, 'pl/b/1', next, { 'b.txt': 'b\n' });
    fs.writeFileSync(path.join(repo, 'staged.txt'), 'staged\n');
    g(repo, 'add', 'staged.txt');
    const held = await landAttempt({ ...opts(), branch: 'pl/b/1', base: next, taskId: 'b' });
    expect(held).toMatchObject({ status: 'held', worktree: repo });
    expect(held.status === 'held' && held.reason).toMatch(/staged changes/);
    g(repo, 'reset', '-q');
    fs.rmSync(path.join(repo, 'staged.txt'));
    expect(await landAttempt({ ...opts(), branch: 'pl/b/1', base: next, taskId: 'b' })).toMatchObject({ status: 'landed', checkouts: [{ worktree: repo, state: 'updated' }] });
    expect(g(repo, 'status', '--porcelain')).toBe('');
  });

  it('holds for unstaged changes alone, and for a merge in progress', async () => {
    fs.appendFileSync(path.join(repo, 'shared.txt'), 'my edit\n');
    const before = hashCheckout(repo);
    expect(await landAttempt(opts())).toMatchObject({ status: 'held' });
    expect(hashCheckout(repo)).toEqual(before);
    g(repo, 'checkout', '-q', '--', 'shared.txt');
    fs.writeFileSync(path.join(repo, '.git', 'MERGE_HEAD'), `${base}\n`);
    const held = await landAttempt(opts());
    expect(held.status === 'held' && held.reason).toContain('a merge is in progress');
  });

  it('holds when an untracked or ignored file sits where the landing adds one', async () => {
    fs.writeFileSync(path.join(repo, 'a.txt'), 'my own a.txt\n');
    const before = hashCheckout(repo);
    const result = await landAttempt(opts());
    expect(result.status === 'held' && result.reason).toContain('a.txt');
    expect(hashCheckout(repo)).toEqual(before);
    fs.rmSync(path.join(repo, 'a.txt'));
    fs.writeFileSync(path.join(repo, 'docs'), 'a file where a folder must go\n');
    expect((await landAttempt(opts())).status).toBe('held');
  });

  it('with land-ref moves only the ref, reports the checkout behind, and its advice brings the work in', async () => {
    dirty();
    const before = hashCheckout(repo);
    const result = await landAttempt(opts({ dirtyPolicy: 'land-ref' }));
    if (result.status !== 'landed') throw new Error(result.status);
    expect(result.checkouts).toMatchObject([{ worktree: repo, state: 'behind' }]);
    expect(result.checkouts[0]?.reason).toContain(`git read-tree -m -u ${base} HEAD`);
    expect(hashCheckout(repo)).toEqual(before);
    expect(g(repo, 'rev-parse', 'main')).toBe(result.commit);
    g(repo, 'read-tree', '-m', '-u', base, 'HEAD');
    expect(g(repo, 'status', '--porcelain').split('\n').sort()).toEqual([' M shared.txt', '?? notes.txt', 'A  staged.txt']);
    expect(fs.readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('landed\n');
  });

  it('fast-forwards the target in a linked worktree and ignores a main checkout on another branch', async () => {
    g(repo, 'checkout', '-q', '-b', 'feature');
    fs.appendFileSync(path.join(repo, 'shared.txt'), 'feature work, not committed\n');
    const linked = path.join(dir, 'main-wt');
    g(repo, 'worktree', 'add', '-q', linked, 'main');
    const result = await landAttempt(opts());
    expect(result).toMatchObject({ status: 'landed', checkouts: [{ worktree: linked, state: 'updated' }] });
    expect(fs.readFileSync(path.join(linked, 'a.txt'), 'utf8')).toBe('landed\n');
    expect(fs.existsSync(path.join(repo, 'a.txt'))).toBe(false);
  });
});
