// A worker dies (SIGKILL, no clean-up) at each protocol step in turn. Whatever the step, the run
// must end with the task done once, landed once, the work written before the crash kept, and
// nothing left running.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, killProcessesIn, runCli } from '../helpers/run-cli.js';
import { eventsOf, expectDoneMeansLanded, expectDoneOnce, expectNothingRunning, FAST, repoWithTasks, slowOnFirst, targetFiles } from './fixture.js';

// `keeps`: the step comes after the first attempt's agent wrote p-a-1.txt, so that file must land.
const repos: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) killProcessesIn(repo);
});

const STEPS = [
  { step: 'claim-written', keeps: false },
  { step: 'task-moved', keeps: false },
  { step: 'worktree-created', keeps: false },
  { step: 'agent-running', keeps: true },
  { step: 'commit-made', keeps: true },
  { step: 'before-release', keeps: true },
];

describe('a worker killed at each protocol step', () => {
  it.each(STEPS)('$step: the task lands once, partial work kept', async ({ step, keeps }) => {
    // The first attempt sleeps a little so the reclaimer (not the agent's own end) stops it at agent-running.
    const repo = repoWithTasks({ a: slowOnFirst('a', 0.5) });
    repos.push(repo);
    const faultFile = path.join(repo, '.fault');
    const env = { PL_FAULT: step, PL_FAULT_ONCE: faultFile };
    const run = await runCli(repo, ['run', '--agents', '2', '--once', ...FAST], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(fs.readFileSync(faultFile, 'utf8')).toContain(step);
    // The dead worker's claim was reclaimed by the other worker's monitor (or the restart's repair).
    expect(eventsOf(repo, 'reclaimed', 'a').length + eventsOf(repo, 'repaired').length).toBeGreaterThanOrEqual(1);
    expectDoneOnce(repo, 'a');
    if (keeps) expect(targetFiles(repo)).toContain('p-a-1.txt');
    // Nothing was counted as a failure on the way.
    expect(eventsOf(repo, 'failed')).toEqual([]);
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });

  it('before-release with landStyle squash: the reclaimer finds the squash landing and nothing lands twice', async () => {
    const repo = repoWithTasks({ a: 'echo done > a.txt' });
    repos.push(repo);
    const run = await runCli(repo, ['run', '--agents', '2', '--once', '--land-style', 'squash', ...FAST], { PL_FAULT: 'before-release', PL_FAULT_ONCE: path.join(repo, '.fault') });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expectDoneOnce(repo, 'a');
    expect(eventsOf(repo, 'attempt-started', 'a')).toHaveLength(1);
    expect(git(repo, 'rev-list', '--merges', 'main')).toBe('');
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });

  it('commit-made, and the resumed attempt changes nothing: the first attempt\'s work still lands', async () => {
    // The second run of this agent writes the same file again: its branch adds nothing to the one it resumed.
    const repo = repoWithTasks({ a: 'echo done > a.txt' });
    repos.push(repo);
    const run = await runCli(repo, ['run', '--agents', '2', '--once', ...FAST], { PL_FAULT: 'commit-made', PL_FAULT_ONCE: path.join(repo, '.fault') });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(eventsOf(repo, 'attempt-started', 'a').map((e) => e.attempt)).toEqual([1, 2]);
    expectDoneOnce(repo, 'a');
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });
});

describe('a reclaimer killed after it won the reclaim, before it settled', () => {
  it('the next reclaimer settles the attempt it left: its agent is stopped, its work committed and landed', async () => {
    // The owner dies while its agent sleeps; the reclaimer that wins dies before it kills or commits anything.
    const repo = repoWithTasks({ a: slowOnFirst('a', 3) });
    repos.push(repo);
    const faultFile = path.join(repo, '.fault');
    const run = await runCli(repo, ['run', '--agents', '3', '--once', ...FAST], { PL_FAULT: 'agent-running,reclaim-claimed', PL_FAULT_ONCE: faultFile });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(fs.readFileSync(`${faultFile}.reclaim-claimed`, 'utf8')).toContain('reclaim-claimed');
    expectDoneOnce(repo, 'a');
    // The first attempt was settled and counted: the agent ran again as attempt 2, resuming its branch,
    // and the first attempt's partial work, committed by the second reclaimer, is in the landing.
    expect(eventsOf(repo, 'attempt-started', 'a').map((e) => e.attempt)).toEqual([1, 2]);
    expect(targetFiles(repo)).toEqual(expect.arrayContaining(['p-a-1.txt', 'p-a-2.txt']));
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
    // Its worktree holds nothing unmerged any more, so `clean` removes it.
    expect((await runCli(repo, ['clean', '--older-than', '0'])).code).toBe(0);
    expect(git(repo, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
  });
});

describe('links and renames that report EEXIST or ENOENT although they succeeded (NFS retransmissions)', () => {
  it('every task and agent slot is claimed all the same: each lands once, none is left claimed', async () => {
    const tasks = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => [id, `echo done > ${id}.txt`]));
    const repo = repoWithTasks(tasks);
    repos.push(repo);
    const run = await runCli(repo, ['run', '--agents', '3', '--once', ...FAST], { PL_FAULT_NFS: 'retransmit' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // Three slots were claimed through the same links, and each claim was taken at its first generation.
    expect(run.stdout).not.toContain('agent slots were free');
    for (const id of Object.keys(tasks)) {
      expectDoneOnce(repo, id);
      expect(eventsOf(repo, 'attempt-started', id)).toHaveLength(1);
    }
    expect(eventsOf(repo, 'reclaimed')).toEqual([]);
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });
});
