// A worker SIGKILLed while its agent works in the slot's warm worktree (a slot that ran a task before):
// the attempt's work is committed on its branch, by the reclaimer or by the slot's next worker before it
// switches the worktree, whichever comes first, and the task lands exactly once.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, readEvents, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { eventsOf, expectDoneMeansLanded, expectDoneOnce, expectNothingRunning, repoWithTasks, slowOnFirst, targetFiles, track, workerRunning } from './fixture.js';

const TIMINGS = ['--stale-after-ms', '1500', '--rescan-ms', '200', '--kill-grace-ms', '300', '--retry-backoff-ms', '50'];

/** Start a one-agent run of `a`, then the slow `b` on the same slot; SIGKILL the worker while b's agent works. */
async function killDuringSecondTask(repo: string, monitorMs: number) {
  const run = startCli(repo, ['run', '--agents', '1', '--once', '--monitor-ms', String(monitorMs), ...TIMINGS]);
  const worker = await workerRunning(repo, 'b', 30_000);
  // The slot's worktree was warm: made for a, switched to b.
  const record = JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/agents/agent-1/worktree.json'), 'utf8'));
  expect(record).toMatchObject({ task: 'b', gen: 1, branch: 'pl/b/1' });
  expect(eventsOf(repo, 'worktree-ready').map((e) => [e.task, (e as { created: boolean }).created])).toEqual([['a', true], ['b', false]]);
  // b's agent has written its partial work in the slot's worktree and sleeps.
  const partial = path.join(repo, '.parallel-loop/worktrees/agent-1/p-b-1.txt');
  while (!fs.existsSync(partial)) await new Promise((r) => setTimeout(r, 20));
  process.kill(worker.pid, 'SIGKILL');
  return run.done;
}

describe('a worker killed while its agent works in a warm worktree', () => {
  it('the reclaimer commits the work on its branch in the slot worktree, and the task lands once', async () => {
    const repo = track(repoWithTasks({}));
    writeTask(repo, 'a', { agent: 'shell', run: 'echo a > a.txt', priority: 2 });
    writeTask(repo, 'b', { agent: 'shell', run: slowOnFirst('b', 30), priority: 1 });
    const result = await killDuringSecondTask(repo, 200);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(eventsOf(repo, 'reclaimed', 'b')).toHaveLength(1);
    expectDoneOnce(repo, 'a');
    expectDoneOnce(repo, 'b');
    // The first attempt's partial work, committed as WIP on pl/b/1, is in the landing.
    expect(targetFiles(repo)).toContain('p-b-1.txt');
    expect(git(repo, 'log', '-1', '--format=%s', 'pl/b/1')).toMatch(/^WIP: /);
    expect(eventsOf(repo, 'attempt-started', 'b').map((e) => e.attempt)).toEqual([1, 2]);
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });

  it('the slot\'s next worker saves the work before it gives the worktree to another task, and the task still lands once', async () => {
    const repo = track(repoWithTasks({}));
    writeTask(repo, 'a', { agent: 'shell', run: 'echo a > a.txt', priority: 3 });
    writeTask(repo, 'b', { agent: 'shell', run: slowOnFirst('b', 30), priority: 2 });
    writeTask(repo, 'c', { agent: 'shell', run: 'ls > c-seen.txt; echo c > c.txt', priority: 1 });
    // Monitors pass rarely: the restarted worker claims c, and switches the worktree, before any monitor reclaims b.
    const result = await killDuringSecondTask(repo, 5000);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = readEvents(repo);
    const cReady = events.findIndex((e) => e.type === 'worktree-ready' && e.task === 'c');
    const bReclaimed = events.findIndex((e) => e.type === 'reclaimed' && e.task === 'b');
    expect(cReady).toBeGreaterThan(-1);
    expect(bReclaimed).toBeGreaterThan(cReady);
    for (const id of ['a', 'b', 'c']) expectDoneOnce(repo, id);
    expect(tasksIn(repo, 'failed')).toEqual([]);
    expect(targetFiles(repo)).toContain('p-b-1.txt');
    expect(git(repo, 'log', '-1', '--format=%s', 'pl/b/1')).toMatch(/^WIP: /);
    // c's checkout did not hold b's unfinished work.
    expect(git(repo, 'show', `${git(repo, 'log', '--format=%H', '-1', '--grep', 'Parallel-Loop-Task: c', 'main')}^2:c-seen.txt`)).not.toContain('p-b-1.txt');
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });
});
