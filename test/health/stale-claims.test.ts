// Stale claims judged by monitor passes run in this process (and, for the race, in four processes):
// reused pids, agents nobody recorded, leases never linked, owners that died after their last step.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tasksIn, writeTask } from '../helpers/run-cli.js';
import { tmpRepo } from '../helpers/tmp.js';
import { isRunning, waitFor } from '../proc/processes.js';
import { Monitor } from '../../src/health/monitor.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { hostBootId } from '../../src/proc/start-time.js';
import { readStat } from '../../src/proc/stat.js';
import { deadProcess, eventsOf, track, cleanups } from './fixture.js';


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

/** A monitor of this process, claiming as agent-1, with a staleAfter no heartbeat test reaches. */
function monitor(store: QueueStore, emit: (e: { type: string; reason?: unknown }) => void = () => undefined): Monitor {
  const options = { staleAfterMs: 60_000, killGraceMs: 300, maxAttempts: 5, target: 'main', land: 'merge' as const };
  return new Monitor({ store, options, owner: { agentId: 'agent-1', pid: process.pid, host: os.hostname(), bootId: hostBootId() }, emit });
}

describe('stale claims', () => {
  it('an owner whose pid now belongs to an unrelated process is dead: reclaimed, and that process left alone', async () => {
    const dead = await deadProcess();
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    cleanups.push(() => stranger.kill('SIGKILL'));
    const { store } = staleClaim({ pid: stranger.pid!, pidStart: dead.startTime });
    // Its recorded agent process points at the stranger too: killing it would hit the wrong process.
    store.claims.recordProcess('a', 1, { pid: stranger.pid!, startTime: dead.startTime, host: os.hostname(), startedAt: new Date().toISOString() });
    const events: Array<{ type: string; reason?: unknown }> = [];
    expect(await monitor(store, (e) => events.push(e)).pass()).toEqual(['a']);
    expect(events.find((e) => e.type === 'reclaimed')?.reason).toMatch(/no longer running/);
    expect(isRunning(stranger.pid!)).toBe(true);
    expect(store.taskFiles('inbox')).toEqual(['a.json']);
    expect(store.claims.readRelease('a', 2)?.outcome).toBe('requeued');
  });

  it('an agent its dead worker never got to record is found by its environment and killed', async () => {
    const dead = await deadProcess();
    const { store } = staleClaim({ pid: dead.pid, pidStart: dead.startTime });
    // What a worker killed between spawning its agent and recording it leaves: an agent nobody knows.
    const marks = (gen: string, worktree: string) => ({ ...process.env, PL_TASK_ID: 'a', PL_GEN: gen, PL_WORKTREE: worktree });
    const mine = path.join(store.layout.worktrees, 'a.1');
    const agent = spawn('sh', ['-c', 'sleep 60'], { stdio: 'ignore', detached: true, env: marks('1', mine) });
    // Not of this attempt: a later generation, and task `a` of another repository.
    const later = spawn('sleep', ['60'], { stdio: 'ignore', env: marks('2', path.join(store.layout.worktrees, 'a.2')) });
    const elsewhere = spawn('sleep', ['60'], { stdio: 'ignore', env: marks('1', '/elsewhere/.parallel-loop/worktrees/a.1') });
    cleanups.push(() => [agent, later, elsewhere].forEach((c) => c.kill('SIGKILL')));
    await waitFor(() => [agent, later, elsewhere].every((c) => fs.readFileSync(`/proc/${c.pid}/environ`, 'latin1').includes('PL_GEN=')));
    expect(await monitor(store).pass()).toEqual(['a']);
    expect(isRunning(agent.pid!)).toBe(false);
    expect(isRunning(later.pid!)).toBe(true);
    expect(isRunning(elsewhere.pid!)).toBe(true);
  });

  it('a lease its dead writer never linked does not make the live owner of that generation stale', async () => {
    const { store } = staleClaim({ pid: process.pid, pidStart: readStat(process.pid)!.startTime });
    // A worker killed between writing its lease and linking it: its lease names the same generation.
    const dead = await deadProcess();
    const orphan = path.join(store.layout.agents, 'agent-8', 'leases', 'a.1.json');
    fs.mkdirSync(path.dirname(orphan), { recursive: true });
    fs.writeFileSync(orphan, JSON.stringify({ taskId: 'a', gen: 1, agentId: 'agent-8', pid: dead.pid, pidStart: dead.startTime, host: os.hostname(), file: 'a.json', claimedAt: new Date().toISOString() }));
    expect(await monitor(store).pass()).toEqual([]);
    expect(fs.existsSync(orphan)).toBe(false);
    expect(store.claims.snapshot('a').live).toBe(1);
  });

  it('an owner that died after moving its task to done/ only missed the release: the task stays done', async () => {
    const dead = await deadProcess();
    const { store } = staleClaim({ pid: dead.pid, pidStart: dead.startTime });
    store.move('a.json', 'running', 'done');
    expect(await monitor(store).pass()).toEqual(['a']);
    expect(store.taskFiles('done')).toEqual(['a.json']);
    expect(store.taskFiles('inbox')).toEqual([]);
    expect(store.claims.readRelease('a', 2)?.outcome).toBe('done');
  });

  it('a task file left in running/ without a live claim goes back to the queue under a claim of its own', async () => {
    const dead = await deadProcess();
    const { store } = staleClaim({ pid: dead.pid, pidStart: dead.startTime });
    store.claims.release('a', 1, { outcome: 'retry', attempted: true }, 'agent-9');
    const events: Array<{ type: string }> = [];
    expect(await monitor(store, (e) => events.push(e)).pass()).toEqual(['a']);
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

});
