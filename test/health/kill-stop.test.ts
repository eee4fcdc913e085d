// Workers killed or stopped from outside, a supervisor killed alone, and a whole run killed and started
// again: each time every task lands once and nothing is left running.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, writeTask } from '../helpers/run-cli.js';
import { isRunning, waitFor } from '../proc/processes.js';
import { eventsOf, expectDoneMeansLanded, expectDoneOnce, expectNothingRunning, FAST, heartbeats, repoWithTasks, slowOnFirst, targetFiles, workerRunning, track, cleanups } from './fixture.js';


describe('workers killed and stopped mid-task', () => {
  it('SIGKILL: another worker reclaims at once and the task lands once with the partial work', async () => {
    const repo = track(repoWithTasks({ a: slowOnFirst('a', 4) }));
    const run = startCli(repo, ['run', '--agents', '2', '--once', ...FAST]);
    const victim = await workerRunning(repo, 'a');
    process.kill(victim.pid, 'SIGKILL');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const reclaimed = eventsOf(repo, 'reclaimed', 'a');
    expect(reclaimed).toHaveLength(1);
    expect(reclaimed[0]!.reason).toMatch(/no longer running/);
    expect(isRunning(victim.agentPid!)).toBe(false);
    expectDoneOnce(repo, 'a');
    expect(targetFiles(repo)).toContain('p-a-1.txt');
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });

  it('SIGSTOP: reclaimed after staleAfter, its agent killed; woken up, it lands nothing and releases nothing', async () => {
    const repo = track(repoWithTasks({ a: slowOnFirst('a', 6) }));
    const run = startCli(repo, ['run', '--agents', '2', '--once', ...FAST]);
    const victim = await workerRunning(repo, 'a');
    process.kill(victim.pid, 'SIGSTOP');
    cleanups.unshift(() => {
      // Never leave a stopped process behind, whatever failed.
      try {
        process.kill(victim.pid, 'SIGCONT');
        process.kill(victim.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    });
    await waitFor(() => eventsOf(repo, 'reclaimed', 'a').length > 0, 15_000);
    expect(eventsOf(repo, 'reclaimed', 'a')[0]!.reason).toMatch(/unchanged/);
    await waitFor(() => !isRunning(victim.agentPid!), 5_000);
    // Wake it while the next attempt runs, so both are alive at once.
    await waitFor(() => eventsOf(repo, 'attempt-started', 'a').length === 2, 15_000);
    process.kill(victim.pid, 'SIGCONT');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectDoneOnce(repo, 'a');
    expect(eventsOf(repo, 'reclaimed')).toHaveLength(1);
    // Fencing: the woken owner saw the later generation and neither landed, moved nor released anything.
    expect(eventsOf(repo, 'done', 'a').map((e) => e.gen)).not.toContain(victim.gen);
    expect(fs.existsSync(path.join(repo, '.parallel-loop/claims/a', `${victim.gen}.released`))).toBe(false);
    expect(eventsOf(repo, 'requeued', 'a').some((e) => e.gen === victim.gen && /superseded/.test(String(e.reason)))).toBe(true);
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });

  it('SIGSTOP before the agent starts: woken after the reclaim, the worker starts no agent', async () => {
    const repo = track(repoWithTasks({}));
    const run = startCli(repo, ['run', '--agents', '2', ...FAST]);
    await waitFor(() => heartbeats(repo).filter((h) => h.phase === 'idle').length === 2, 20_000);
    // Hold the worktree lock (a proper-lockfile folder, kept fresh), so the worker waits in its worktree
    // step, where it is stopped: no process of its attempt exists yet for the reclaimer to kill.
    const lock = path.join(repo, '.parallel-loop/locks/worktree.lock');
    fs.mkdirSync(lock, { recursive: true });
    const fresh = setInterval(() => fs.utimesSync(lock, new Date(), new Date()), 500);
    cleanups.push(() => clearInterval(fresh));
    writeTask(repo, 'a', { agent: 'shell', run: 'echo done > a.txt' });
    let victim: ReturnType<typeof heartbeats>[number] | undefined;
    await waitFor(() => (victim = heartbeats(repo).find((h) => h.task === 'a' && h.phase === 'worktree')) !== undefined, 20_000);
    process.kill(victim!.pid, 'SIGSTOP');
    cleanups.unshift(() => {
      try {
        process.kill(victim!.pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    });
    await waitFor(() => eventsOf(repo, 'reclaimed', 'a').length > 0, 15_000);
    clearInterval(fresh);
    fs.rmdirSync(lock);
    process.kill(victim!.pid, 'SIGCONT');
    await waitFor(() => eventsOf(repo, 'done', 'a').length > 0 && eventsOf(repo, 'requeued', 'a').some((e) => e.gen === victim!.gen), 20_000);
    process.kill(run.child.pid!, 'SIGINT');
    await run.done;
    expectDoneOnce(repo, 'a');
    // No agent ran in the stopped generation: woken, its owner stepped aside (it may take a later one).
    expect(eventsOf(repo, 'attempt-finished', 'a').map((e) => e.gen)).not.toContain(victim!.gen);
    expect(eventsOf(repo, 'requeued', 'a').find((e) => e.gen === victim!.gen)?.reason).toMatch(/superseded/);
    expect(eventsOf(repo, 'failed')).toEqual([]);
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });

  it('a slow agent whose worker heartbeats is never reclaimed', async () => {
    const repo = track(repoWithTasks({ slow: 'sleep 6; echo done > slow.txt' }));
    const result = await runCli(repo, ['run', '--agents', '2', '--once', ...FAST]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(eventsOf(repo, 'reclaimed')).toEqual([]);
    expect(eventsOf(repo, 'attempt-started', 'slow')).toHaveLength(1);
    expectDoneOnce(repo, 'slow');
  });
});

describe('supervisors killed', () => {
  it('a supervisor killed alone: its workers finish their tasks, and the next run works beside them under other agent ids', async () => {
    const repo = track(repoWithTasks({ a: 'sleep 3; echo done > a.txt', b: 'echo done > b.txt' }));
    const first = startCli(repo, ['run', '--agents', '1', ...FAST]);
    const busy = await workerRunning(repo, 'a');
    process.kill(first.child.pid!, 'SIGKILL');
    const second = await runCli(repo, ['run', '--agents', '1', '--once', ...FAST]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const spawned = eventsOf(repo, 'agent-spawned').slice(1).map((e) => e.agent);
    expect(spawned).not.toContain(busy.agent);
    // Sharing one heartbeat file, the old worker could have looked silent and been reclaimed.
    expect(eventsOf(repo, 'reclaimed')).toEqual([]);
    await waitFor(() => !isRunning(busy.pid), 10_000);
    for (const id of ['a', 'b']) expectDoneOnce(repo, id);
    expect(eventsOf(repo, 'done', 'a').map((e) => e.agent)).toEqual([busy.agent]);
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });

  it('a run killed outright (supervisor and workers) is repaired by the next run: every task done once', async () => {
    const repo = track(repoWithTasks({ a: slowOnFirst('a', 20), b: slowOnFirst('b', 20), c: 'echo done > c.txt' }));
    const first = startCli(repo, ['run', '--agents', '2', ...FAST]);
    await waitFor(() => heartbeats(repo).filter((h) => h.phase === 'agent' && h.agentPid).length === 2, 20_000);
    const orphans = heartbeats(repo).map((h) => h.agentPid!);
    // Supervisor and workers die at once (workers and agents each have their own process group).
    for (const pid of [first.child.pid!, ...heartbeats(repo).map((h) => h.pid)]) process.kill(pid, 'SIGKILL');
    await first.done;
    // The agents outlive the run until the repair kills them.
    expect(orphans.every(isRunning)).toBe(true);

    const second = await runCli(repo, ['run', '--agents', '2', '--once', ...FAST]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const repaired = second.stdout.split('\n').filter((l) => l.startsWith('repaired: reclaimed'));
    expect(repaired).toHaveLength(2);
    expect(orphans.some(isRunning)).toBe(false);
    for (const id of ['a', 'b', 'c']) expectDoneOnce(repo, id);
    expectNothingRunning(repo);
    await expectDoneMeansLanded(repo);
  });
});
