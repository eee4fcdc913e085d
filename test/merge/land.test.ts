import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { landAttempt, type LandOptions } from '../../src/merge/land.js';
import { branchWithFiles, distModule, g, makeRepo, trailerCount } from '../git/fixture.js';

let repo: string;
let cleanup: () => void;
let base: string;
beforeEach(() => {
  ({ repo, cleanup } = makeRepo('pl-land-'));
  base = g(repo, 'rev-parse', 'main');
});
afterEach(() => cleanup());

const opts = (taskId: string, extra: Partial<LandOptions> = {}): LandOptions => ({
  repo, target: 'main', branch: `pl/${taskId}/1`, base, taskId, title: `Title of ${taskId}`, attempt: 1, ...extra,
});
const files = (ref = 'main') => g(repo, 'ls-tree', '-r', '--name-only', ref).split('\n').sort();

describe('landAttempt', () => {
  it('lands tasks touching disjoint files in any order, each once, with its trailer', async () => {
    for (const id of ['c', 'a', 'b']) branchWithFiles(repo, `pl/${id}/1`, base, { [`${id}.txt`]: id });
    for (const id of ['b', 'c', 'a']) {
      const result = await landAttempt(opts(id));
      expect(result).toMatchObject({ status: 'landed', tries: 1 });
    }
    expect(files()).toEqual(['README.md', 'a.txt', 'b.txt', 'c.txt', 'shared.txt']);
    for (const id of ['a', 'b', 'c']) expect(trailerCount(repo, 'main', `Parallel-Loop-Task: ${id}`)).toBe(1);
    expect(g(repo, 'log', '-1', '--format=%s%n%P', 'main').split('\n')[0]).toBe('Land task a: Title of a');
    expect(g(repo, 'status', '--porcelain')).toBe('');
    expect(fs.readFileSync(path.join(repo, 'c.txt'), 'utf8')).toBe('c');
  });

  it('merges non-overlapping edits of one file', async () => {
    branchWithFiles(repo, 'pl/top/1', base, { 'shared.txt': 'ONE\ntwo\nthree\n' });
    branchWithFiles(repo, 'pl/bottom/1', base, { 'shared.txt': 'one\ntwo\nTHREE\n' });
    expect((await landAttempt(opts('top'))).status).toBe('landed');
    expect((await landAttempt(opts('bottom'))).status).toBe('landed');
    expect(g(repo, 'show', 'main:shared.txt')).toBe('ONE\ntwo\nTHREE');
  });

  it('keeps a backup ref of the old tip, and writes the reflog', async () => {
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    const result = await landAttempt(opts('a'));
    if (result.status !== 'landed') throw new Error(result.status);
    expect(result.backupRef).toMatch(/^refs\/parallel-loop\/backup\/a\/1-\d+-\d+$/);
    expect(g(repo, 'rev-parse', result.backupRef!)).toBe(base);
    expect(g(repo, 'reflog', '-1', '--format=%gs', 'main')).toBe('parallel-loop: land task a (attempt 1)');
  });

  it('reports a true conflict with its files and leaves the target alone', async () => {
    branchWithFiles(repo, 'pl/x/1', base, { 'shared.txt': 'X\n', 'x-only.txt': 'x' });
    branchWithFiles(repo, 'pl/y/1', base, { 'shared.txt': 'Y\n' });
    expect((await landAttempt(opts('x'))).status).toBe('landed');
    const tip = g(repo, 'rev-parse', 'main');
    const result = await landAttempt(opts('y'));
    expect(result).toMatchObject({ status: 'conflict', files: ['shared.txt'], tip });
    expect(result.status === 'conflict' && result.details).toContain('CONFLICT (content): Merge conflict in shared.txt');
    expect(g(repo, 'rev-parse', 'main')).toBe(tip);
  });

  it('returns a failed verification with its output, and the ref does not move', async () => {
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    let seen = '';
    const result = await landAttempt(opts('a', { verify: async (commit) => ((seen = commit), { ok: false, output: 'tests failed: 3' }) }));
    expect(result).toEqual({ status: 'verify-failed', output: 'tests failed: 3', commit: seen });
    expect(g(repo, 'diff', '--name-only', base, seen)).toBe('a.txt');
    expect(g(repo, 'rev-parse', 'main')).toBe(base);
  });

  it('says already-landed on a second landing, and nothing-to-land for an empty branch', async () => {
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    const first = await landAttempt(opts('a'));
    const again = await landAttempt(opts('a'));
    expect(again).toEqual({ status: 'already-landed', commit: first.status === 'landed' ? first.commit : '' });
    // A later attempt of the same task (a stalled owner waking up) finds the landing too.
    branchWithFiles(repo, 'pl/a/2', base, { 'a.txt': 'other' });
    expect((await landAttempt(opts('a', { branch: 'pl/a/2', attempt: 2 }))).status).toBe('already-landed');
    g(repo, 'branch', 'pl/empty/1', base);
    expect(await landAttempt(opts('empty'))).toEqual({ status: 'nothing-to-land' });
  });

  it('keeps both when the user commits to the target while the landing is under way', async () => {
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    let user = '';
    const result = await landAttempt(
      opts('a', {
        verify: async () => {
          if (!user) {
            fs.writeFileSync(path.join(repo, 'user.txt'), 'mine');
            g(repo, 'add', 'user.txt');
            g(repo, 'commit', '-q', '-m', 'user work');
            user = g(repo, 'rev-parse', 'HEAD');
          }
          return { ok: true, output: '' };
        },
      }),
    );
    expect(result).toMatchObject({ status: 'landed', tries: 2 });
    expect(g(repo, 'rev-parse', 'main^1')).toBe(user);
    expect(files()).toEqual(['README.md', 'a.txt', 'shared.txt', 'user.txt']);
    expect(g(repo, 'status', '--porcelain')).toBe('');
  });

  it('lands a task with spaces and non-ASCII letters in its id exactly once', async () => {
    const id = 'réparer la page « login »';
    branchWithFiles(repo, 'pl/odd/1', base, { 'odd.txt': 'x' });
    expect((await landAttempt(opts(id, { branch: 'pl/odd/1' }))).status).toBe('landed');
    expect((await landAttempt(opts(id, { branch: 'pl/odd/1' }))).status).toBe('already-landed');
    expect(trailerCount(repo, 'main', `Parallel-Loop-Task: ${id}`)).toBe(1);
  });

  it('refuses a missing target or branch', async () => {
    await expect(landAttempt(opts('nope'))).rejects.toMatchObject({ code: 'BRANCH_NOT_FOUND' });
    // Gone after it landed (a stopped lander woke, landed it and cleaned up): its trailer says it landed.
    branchWithFiles(repo, 'pl/gone/1', base, { 'gone.txt': 'g' });
    const landed = await landAttempt(opts('gone'));
    g(repo, 'branch', '-D', 'pl/gone/1');
    expect(await landAttempt(opts('gone'))).toEqual({ status: 'already-landed', commit: landed.status === 'landed' ? landed.commit : '' });
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    await expect(landAttempt(opts('a', { target: 'no-such' }))).rejects.toMatchObject({ code: 'TARGET_NOT_FOUND' });
  });

  it('lands a task once when two processes land it at the same moment, taking turns or lock-free', async () => {
    const dist = path.dirname(path.dirname(distModule('merge/land.js')));
    const fixture = path.join(import.meta.dirname, 'fixtures', 'land.mjs');
    for (let round = 0; round < 4; round++) {
      const id = `race-${round}`;
      branchWithFiles(repo, `pl/${id}/1`, base, { [`${id}.txt`]: id });
      branchWithFiles(repo, `pl/${id}/2`, base, { [`${id}.txt`]: id });
      const go = path.join(path.dirname(repo), `go-${round}`);
      const runs = [1, 2].map((attempt) => {
        // Odd rounds leave only the compare-and-swap between the two.
        const options = opts(id, { branch: `pl/${id}/${attempt}`, attempt, serialize: round % 2 === 0 });
        const child = spawn(process.execPath, [fixture, dist, go, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        return new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
      });
      await new Promise((r) => setTimeout(r, 500));
      fs.writeFileSync(go, '');
      const results = await Promise.all(runs);
      expect(results.map((r) => r.err)).toEqual(['', '']);
      const statuses = results.map((r) => JSON.parse(r.out).status).sort();
      expect(statuses).toEqual(['already-landed', 'landed']);
      expect(trailerCount(repo, 'main', `Parallel-Loop-Task: ${id}`)).toBe(1);
    }
  });
});

describe('landAttempt with style squash', () => {
  const squash = (id: string, extra: Partial<LandOptions> = {}) =>
    opts(id, { style: 'squash', prompt: `# Title of ${id}\n\nWhy ${id} matters,\nin two lines.\n\nDetails nobody needs in the log.`, ...extra });

  it('lands each task as one commit on the tip: title as subject, first paragraph as body, trailers, the merged tree', async () => {
    for (const id of ['a', 'b', 'c']) branchWithFiles(repo, `pl/${id}/1`, base, { [`${id}.txt`]: id, [`${id}-2.txt`]: id });
    for (const id of ['a', 'b', 'c']) {
      const tip = g(repo, 'rev-parse', 'main');
      const merged = g(repo, 'merge-tree', '--write-tree', tip, `pl/${id}/1`);
      const result = await landAttempt(squash(id));
      expect(result).toMatchObject({ status: 'landed', previous: tip });
      expect(g(repo, 'rev-list', '--parents', '-1', 'main')).toBe(`${g(repo, 'rev-parse', 'main')} ${tip}`);
      expect(g(repo, 'rev-parse', 'main^{tree}')).toBe(merged);
      expect(g(repo, 'log', '-1', '--format=%B', 'main')).toBe(`Title of ${id}\n\nWhy ${id} matters,\nin two lines.\n\nParallel-Loop-Task: ${id}\nParallel-Loop-Attempt: ${id}/1\n`);
    }
    expect(g(repo, 'rev-list', '--count', `${base}..main`)).toBe('3');
    expect(g(repo, 'log', '--format=%s', `${base}..main`).split('\n')).toEqual(['Title of c', 'Title of b', 'Title of a']);
    expect(files()).toEqual(['README.md', 'a-2.txt', 'a.txt', 'b-2.txt', 'b.txt', 'c-2.txt', 'c.txt', 'shared.txt']);
    for (const id of ['a', 'b', 'c']) expect(g(repo, 'branch', '--contains', `pl/${id}/1`, '--list', 'main')).toBe('');
  });

  it('lands an attempt once: the same landing again, or a later attempt of the task, finds the trailer', async () => {
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    const first = await landAttempt(squash('a'));
    if (first.status !== 'landed') throw new Error(first.status);
    branchWithFiles(repo, 'pl/other/1', base, { 'other.txt': 'o' });
    await landAttempt(squash('other'));
    expect(await landAttempt(squash('a'))).toEqual({ status: 'already-landed', commit: first.commit });
    branchWithFiles(repo, 'pl/a/2', g(repo, 'rev-parse', 'pl/a/1'), { 'a.txt': 'a again' });
    expect(await landAttempt(squash('a', { branch: 'pl/a/2', attempt: 2 }))).toEqual({ status: 'already-landed', commit: first.commit });
    expect(trailerCount(repo, 'main', 'Parallel-Loop-Task: a')).toBe(1);
    expect(g(repo, 'show', 'main:a.txt')).toBe('a');
  });
});

describe('landing detection', () => {
  it('is not fooled by a landing trailer in a commit of a merged branch', async () => {
    // An agent's own commit on task b's branch claims to land task a.
    branchWithFiles(repo, 'pl/b/1', base, { 'b.txt': 'b' }, 'b work\n\nParallel-Loop-Task: a');
    expect((await landAttempt(opts('b'))).status).toBe('landed');
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    expect(await landAttempt(opts('a'))).toMatchObject({ status: 'landed' });
    expect(g(repo, 'show', 'main:a.txt')).toBe('a');
  });

  it('is not fooled by a trailer-like line in the body of a landing of another task', async () => {
    branchWithFiles(repo, 'pl/b/1', base, { 'b.txt': 'b' });
    expect((await landAttempt(opts('b', { style: 'squash', prompt: 'Parallel-Loop-Task: a\n\nrest' }))).status).toBe('landed');
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    expect(await landAttempt(opts('a', { style: 'squash' }))).toMatchObject({ status: 'landed' });
  });
});
