// The merge queue's batch landing on a real repository: one verify run for a batch that passes, a
// bisection that lands the good tasks and fails only the bad one, a conflict taken out, and a target
// moved by a person while the batch was verified.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { landBatch, type BatchOptions } from '../../src/merge/batch.js';
import { branchWithFiles, g, makeRepo, trailerCount } from '../git/fixture.js';

const run = promisify(execFile);
let repo: string;
let cleanup: () => void;
let base: string;
let runsLog: string;
function fresh(): void {
  ({ repo, cleanup } = makeRepo('pl-batch-'));
  base = g(repo, 'rev-parse', 'main');
  runsLog = path.join(repo, '..', 'verify-runs.log');
}
beforeEach(fresh);
afterEach(() => cleanup());

/** A verify command, as a user would write one: it appends a line per run and fails when the tree has `bad-*.txt`. */
async function verify(commit: string, tasks: string[]): Promise<{ ok: boolean; output: string }> {
  const script = 'echo "$PL_TASKS" >> "$RUNS"; if git -C "$REPO" ls-tree --name-only "$COMMIT" | grep -q "^bad-"; then echo "a bad file is in the tree"; exit 1; fi';
  try {
    const { stdout } = await run('/bin/sh', ['-c', script], { env: { ...process.env, RUNS: runsLog, REPO: repo, COMMIT: commit, PL_TASKS: tasks.join(' ') } });
    return { ok: true, output: stdout };
  } catch (err) {
    return { ok: false, output: String((err as { stdout?: string }).stdout ?? err) };
  }
}
const runs = () => (fs.existsSync(runsLog) ? fs.readFileSync(runsLog, 'utf8').trim().split('\n') : []);

function tasks(ids: string[], files: (id: string) => Record<string, string> = (id) => ({ [`${id}.txt`]: id })): BatchOptions['members'] {
  return ids.map((id) => {
    branchWithFiles(repo, `pl/${id}/1`, base, files(id));
    return { taskId: id, branch: `pl/${id}/1`, base, title: `Title of ${id}`, attempt: 1 };
  });
}
const batch = (members: BatchOptions['members'], extra: Partial<BatchOptions> = {}) => landBatch({ repo, target: 'main', members, verify, ...extra });
const statuses = (report: Awaited<ReturnType<typeof landBatch>>) => Object.fromEntries([...report.results].map(([id, r]) => [id, r.status]));
const firstParents = () => g(repo, 'log', '--first-parent', '--format=%s', `${base}..main`).split('\n').filter(Boolean).reverse();

describe('landBatch', () => {
  it('lands a batch of 5 with one verify run and one move of the ref, each task its own landing commit', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const report = await batch(tasks(ids));
    expect(statuses(report)).toEqual(Object.fromEntries(ids.map((id) => [id, 'landed'])));
    expect(runs()).toEqual(['a b c d e']);
    expect(report.verifyRuns).toBe(1);
    expect(firstParents()).toEqual(ids.map((id) => `Land task ${id}: Title of ${id}`));
    for (const id of ids) expect(trailerCount(repo, 'main', `Parallel-Loop-Task: ${id}`)).toBe(1);
    // One move: the reflog has the old tip and the batch's last commit, no step in between.
    expect(g(repo, 'reflog', '-1', '--format=%gs', 'main')).toBe('parallel-loop: land a batch of 5 (first a)');
    expect(g(repo, 'rev-parse', 'main@{1}')).toBe(base);
  });

  it('bisects a batch with one bad task: the 4 good ones land, only the bad one fails, in at most 1 + 2·log2(5) runs', async () => {
    for (const bad of [0, 2, 4]) {
      cleanup();
      fresh();
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const report = await batch(tasks(ids, (id) => (id === ids[bad] ? { [`bad-${id}.txt`]: id } : { [`${id}.txt`]: id })));
      const expected = Object.fromEntries(ids.map((id, i) => [id, i === bad ? 'verify-failed' : 'landed']));
      expect(statuses(report), `bad task ${ids[bad]}`).toEqual(expected);
      expect(report.verifyRuns).toBeLessThanOrEqual(1 + 2 * Math.log2(5));
      expect(runs().length).toBe(report.verifyRuns);
      const failed = report.results.get(ids[bad]!)!;
      expect(failed.status === 'verify-failed' && failed.output).toContain('a bad file is in the tree');
      expect(firstParents()).toEqual(ids.filter((_, i) => i !== bad).map((id) => `Land task ${id}: Title of ${id}`));
      expect(trailerCount(repo, 'main', `Parallel-Loop-Task: ${ids[bad]}`)).toBe(0);
      expect(report.flaky).toEqual([]);
    }
  });

  it('takes a conflicting task out of the batch and lands the rest with one verify', async () => {
    const members = tasks(['x', 'y', 'z'], (id) => (id === 'z' ? { 'z.txt': 'z' } : { 'shared.txt': `${id}\n` }));
    const report = await batch(members);
    expect(statuses(report)).toEqual({ x: 'landed', y: 'conflict', z: 'landed' });
    const conflict = report.results.get('y')!;
    expect(conflict.status === 'conflict' && conflict.files).toEqual(['shared.txt']);
    expect(runs()).toEqual(['x z']);
    expect(g(repo, 'show', 'main:shared.txt')).toBe('x');
  });

  it('a person moving the target during verify: merged again and landed without another verify when the files are apart', async () => {
    let pushed = false;
    const moving = async (commit: string, ids: string[]) => {
      const result = await verify(commit, ids);
      if (!pushed) {
        pushed = true;
        fs.writeFileSync(path.join(repo, 'person.txt'), 'mine\n');
        g(repo, 'add', 'person.txt');
        g(repo, 'commit', '-qm', 'a person commits');
      }
      return result;
    };
    const report = await batch(tasks(['a', 'b']), { verify: moving });
    expect(statuses(report)).toEqual({ a: 'landed', b: 'landed' });
    expect(report.verifyRuns).toBe(1);
    expect(firstParents()).toEqual(['a person commits', 'Land task a: Title of a', 'Land task b: Title of b']);
  });

  it('verifies again on the new tip when the person changed a file the batch changed, or with verifyOnMove: always', async () => {
    for (const [policy, personFile] of [['touched', 'shared.txt'], ['always', 'person.txt']] as const) {
      cleanup();
      fresh();
      let pushed = false;
      const moving = async (commit: string, ids: string[]) => {
        const result = await verify(commit, ids);
        if (!pushed) {
          pushed = true;
          fs.writeFileSync(path.join(repo, personFile), personFile === 'shared.txt' ? 'one\ntwo\nthree\nfour\n' : 'mine\n');
          g(repo, 'commit', '-qam', 'a person commits', '--allow-empty');
          g(repo, 'add', '-A');
          g(repo, 'commit', '-qm', 'a person adds', '--allow-empty');
        }
        return result;
      };
      const members = tasks(['a'], () => ({ 'shared.txt': 'ONE\ntwo\nthree\n' }));
      const report = await batch(members, { verify: moving, verifyOnMove: policy });
      expect(statuses(report), policy).toEqual({ a: 'landed' });
      expect(report.verifyRuns, policy).toBe(2);
    }
  });

  it('reports a flaky verify: the same tree fails once and passes once, and the tasks land', async () => {
    let calls = 0;
    const flaky = async (commit: string, ids: string[]) => (++calls === 1 ? { ok: false, output: 'flake' } : verify(commit, ids));
    const report = await batch(tasks(['a', 'b', 'c']), { verify: flaky });
    expect(statuses(report)).toEqual({ a: 'landed', b: 'landed', c: 'landed' });
    expect(report.flaky).toEqual([{ taskId: 'c', output: 'flake' }]);
    expect(report.verifyRuns).toBeLessThanOrEqual(1 + 2 * Math.log2(3));
  });

  it('a task already on the target is not landed again', async () => {
    const members = tasks(['a', 'b']);
    await batch([members[0]!]);
    const report = await batch(members);
    expect(statuses(report)).toEqual({ a: 'already-landed', b: 'landed' });
    expect(trailerCount(repo, 'main', 'Parallel-Loop-Task: a')).toBe(1);
  });
});
