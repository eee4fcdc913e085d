// Workers killed or stopped from outside, owners whose pid was reused, monitors racing on one stale
// claim, and a whole run killed and started again: each time the task lands once and nothing is left.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcessesIn, runCli, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { tmpRepo } from '../helpers/tmp.js';
import { isRunning, waitFor } from '../proc/processes.js';
import { Monitor } from '../../src/health/monitor.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { hostBootId } from '../../src/proc/start-time.js';
import { readStat } from '../../src/proc/stat.js';
import { deadProcess, eventsOf, expectDoneOnce, expectNothingRunning, FAST, heartbeats, repoWithTasks, slowOnFirst, targetFiles, workerRunning } from './fixture.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function track(repo: string): string {
  cleanups.push(() => killProcessesIn(repo));
  return repo;
}

/** A task file in running/ with a live claim at generation 1 held by `owner`: what a crashed worker leaves. */
function staleClaim(owner: { pid: number; pidStart: string }): { repo: string; store: QueueStore } {
  const repo = track(tmpRepo());
  writeTask(repo, 'a', { agent: 'shell', run: 'echo done > a.txt' });
  const store = new QueueStore(layoutFor(repo));
  store.init();
  store.move('a.json', 'inbox', 'running');
  const claim = store.claims.claim('a', { agentId: 'agent-9', ...owner, host: os.hostname(), bootId: hostBootId(), file: 'a.json' });
  expect(claim.ok).toBe(true);
  fs.writeFileSync(path.join(store.layout.agents, 'agent-9', 'heartbeat.json'), JSON.stringify({ pid: owner.pid, beat: 1 }));
  return { repo, store };
}

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
    expect(eventsOf(repo, 'done', 'a').map((e) => e.agent)).not.toContain(victim.agent);
    expect(fs.existsSync(path.join(repo, '.parallel-loop/claims/a', `${victim.gen}.released`))).toBe(false);
    expect(eventsOf(repo, 'requeued', 'a').some((e) => e.agent === victim.agent && /superseded/.test(String(e.reason)))).toBe(true);
    expectNothingRunning(repo);
  });

  it('SIGSTOP before the agent starts: woken after the reclaim, the worker starts no agent', async () => {
    const repo = track(repoWithTasks({ a: 'echo done > a.txt' }));
    // Only the first attempt's set-up is slow: the worker is stopped there, before any agent exists.
    const run = startCli(repo, ['run', '--agents', '2', '--once', ...FAST, '--setup', '[ "$PL_ATTEMPT" != 1 ] || sleep 3']);
    let victim: ReturnType<typeof heartbeats>[number] | undefined;
    await waitFor(() => (victim = heartbeats(repo).find((h) => h.task === 'a' && h.phase === 'setup')) !== undefined, 20_000);
    process.kill(victim!.pid, 'SIGSTOP');
    cleanups.unshift(() => {
      try {
        process.kill(victim!.pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    });
    await waitFor(() => eventsOf(repo, 'reclaimed', 'a').length > 0, 15_000);
    process.kill(victim!.pid, 'SIGCONT');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectDoneOnce(repo, 'a');
    // One agent ran, in the attempt that landed; the woken owner stepped aside.
    expect(eventsOf(repo, 'attempt-finished', 'a').map((e) => e.agent)).not.toContain(victim!.agent);
    expect(eventsOf(repo, 'requeued', 'a').some((e) => e.agent === victim!.agent && /superseded/.test(String(e.reason)))).toBe(true);
    expect(eventsOf(repo, 'failed')).toEqual([]);
    expectNothingRunning(repo);
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

describe('stale claims', () => {
  it('an owner whose pid now belongs to an unrelated process is dead: reclaimed, and that process left alone', async () => {
    const dead = await deadProcess();
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    cleanups.push(() => stranger.kill('SIGKILL'));
    const { store } = staleClaim({ pid: stranger.pid!, pidStart: dead.startTime });
    // Its recorded agent process points at the stranger too: killing it would hit the wrong process.
    store.claims.recordProcess('a', 1, { pid: stranger.pid!, startTime: dead.startTime, host: os.hostname(), startedAt: new Date().toISOString() });
    const events: Array<{ type: string; reason?: unknown }> = [];
    const owner = { agentId: 'agent-1', pid: process.pid, host: os.hostname(), bootId: hostBootId() };
    const options = { staleAfterMs: 60_000, killGraceMs: 300, maxAttempts: 5, target: 'main', land: 'merge' as const };
    const monitor = new Monitor({ store, options, owner, emit: (e) => events.push(e) });

    expect(await monitor.pass()).toEqual(['a']);
    expect(events.find((e) => e.type === 'reclaimed')?.reason).toMatch(/no longer running/);
    expect(isRunning(stranger.pid!)).toBe(true);
    expect(store.taskFiles('inbox')).toEqual(['a.json']);
    expect(store.claims.readRelease('a', 2)?.outcome).toBe('requeued');
  });

  it('an agent its dead worker never got to record is found by its environment and killed', async () => {
    const dead = await deadProcess();
    const { store } = staleClaim({ pid: dead.pid, pidStart: dead.startTime });
    // What a worker killed between spawning its agent and recording it leaves: an agent nobody knows.
    const agent = spawn('sh', ['-c', 'sleep 60'], { stdio: 'ignore', detached: true, env: { ...process.env, PL_TASK_ID: 'a', PL_GEN: '1' } });
    const other = spawn('sleep', ['60'], { stdio: 'ignore', env: { ...process.env, PL_TASK_ID: 'a', PL_GEN: '2' } });
    cleanups.push(() => [agent, other].forEach((c) => c.kill('SIGKILL')));
    await waitFor(() => fs.readFileSync(`/proc/${agent.pid}/environ`, 'latin1').includes('PL_GEN=1'));
    const monitor = new Monitor({ store, options: { staleAfterMs: 60_000, killGraceMs: 300, maxAttempts: 5, target: 'main', land: 'merge' }, owner: { agentId: 'agent-1', pid: process.pid, host: os.hostname() }, emit: () => undefined });
    expect(await monitor.pass()).toEqual(['a']);
    expect(isRunning(agent.pid!)).toBe(false);
    expect(isRunning(other.pid!)).toBe(true);
  });

  it('a lease its dead writer never linked does not make the live owner of that generation stale', async () => {
    const { store } = staleClaim({ pid: process.pid, pidStart: readStat(process.pid)!.startTime });
    // A worker killed between writing its lease and linking it: its lease names the same generation.
    const dead = await deadProcess();
    const orphan = path.join(store.layout.agents, 'agent-8', 'leases', 'a.1.json');
    fs.mkdirSync(path.dirname(orphan), { recursive: true });
    fs.writeFileSync(orphan, JSON.stringify({ taskId: 'a', gen: 1, agentId: 'agent-8', pid: dead.pid, pidStart: dead.startTime, host: os.hostname(), file: 'a.json', claimedAt: new Date().toISOString() }));
    const monitor = new Monitor({ store, options: { staleAfterMs: 60_000, killGraceMs: 300, maxAttempts: 5, target: 'main', land: 'merge' }, owner: { agentId: 'agent-1', pid: process.pid, host: os.hostname() }, emit: () => undefined });
    expect(await monitor.pass()).toEqual([]);
    expect(fs.existsSync(orphan)).toBe(false);
    expect(store.claims.snapshot('a').live).toBe(1);
  });

  it('an owner that died after moving its task to done/ only missed the release: the task stays done', async () => {
    const dead = await deadProcess();
    const { store } = staleClaim({ pid: dead.pid, pidStart: dead.startTime });
    store.move('a.json', 'running', 'done');
    const monitor = new Monitor({ store, options: { staleAfterMs: 60_000, killGraceMs: 300, maxAttempts: 5, target: 'main', land: 'merge' }, owner: { agentId: 'agent-1', pid: process.pid, host: os.hostname() }, emit: () => undefined });
    expect(await monitor.pass()).toEqual(['a']);
    expect(store.taskFiles('done')).toEqual(['a.json']);
    expect(store.taskFiles('inbox')).toEqual([]);
    expect(store.claims.readRelease('a', 2)?.outcome).toBe('done');
  });

  it('a task file left in running/ without a live claim goes back to the queue under a claim of its own', async () => {
    const dead = await deadProcess();
    const { store } = staleClaim({ pid: dead.pid, pidStart: dead.startTime });
    store.claims.release('a', 1, { outcome: 'retry', attempted: true }, 'agent-9');
    const events: Array<{ type: string }> = [];
    const monitor = new Monitor({ store, options: { staleAfterMs: 60_000, killGraceMs: 300, maxAttempts: 5, target: 'main', land: 'merge' }, owner: { agentId: 'agent-1', pid: process.pid, host: os.hostname() }, emit: (e) => events.push(e) });
    expect(await monitor.pass()).toEqual(['a']);
    expect(store.taskFiles('inbox')).toEqual(['a.json']);
    expect(store.claims.readRelease('a', 2)).toMatchObject({ outcome: 'requeued', attempted: false });
    expect(events.map((e) => e.type)).toEqual(['repaired']);
  });

  it('monitors in four processes reclaim one stale claim: one wins, one new generation', async () => {
    const dead = await deadProcess();
    const { repo, store } = staleClaim({ pid: dead.pid, pidStart: dead.startTime });
    const script = path.join(import.meta.dirname, 'fixtures', 'monitor-pass.mjs');
    const startAt = String(Date.now() + 800);
    const outputs = await Promise.all(
      [1, 2, 3, 4].map((n) => promisify(execFile)(process.execPath, [script, repo, `monitor-${n}`, startAt]).then((r) => JSON.parse(r.stdout) as string[])),
    );
    expect(outputs.filter((o) => o.length > 0)).toEqual([['a']]);
    expect(eventsOf(repo, 'reclaimed')).toHaveLength(1);
    const snap = store.claims.snapshot('a');
    expect(snap.gens).toEqual([1, 2]);
    expect([...snap.released]).toEqual([2]);
    expect(tasksIn(repo, 'inbox')).toEqual(['a.json']);
  });

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
  });
});
