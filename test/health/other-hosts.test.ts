// A monitor judges the claims of other hosts by their heartbeat alone, on its own monotonic clock: their
// pids mean nothing here (dead here, or alive here as some unrelated process), their boot id is another
// machine's, and the wall-clock stamps they wrote may be off by any amount. Only silence for staleAfter
// on this monitor's clock reclaims them; its own host's dead owners it reclaims at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTask } from '../helpers/run-cli.js';
import { tmpRepo } from '../helpers/tmp.js';
import { Monitor } from '../../src/health/monitor.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { hostBootId, processStartTime } from '../../src/proc/start-time.js';
import { deadProcess, track } from './fixture.js';

const STALE_AFTER = 10_000;

interface Owner {
  host: string;
  bootId: string;
  pid: number;
  pidStart: string;
}

/** Task `a` in running/, claimed at generation 1 by `far/agent-1` of `owner`, with a heartbeat at `beat`. */
function claimedBy(owner: Owner): { store: QueueStore; beat: (n: number, updatedAt?: string) => void } {
  const repo = track(tmpRepo());
  writeTask(repo, 'a', { agent: 'shell', run: 'true' });
  const store = new QueueStore(layoutFor(repo));
  store.init();
  store.move('a.json', 'inbox', 'running');
  expect(store.claims.claim('a', { agentId: 'far/agent-1', ...owner, file: 'a.json' }).ok).toBe(true);
  const dir = path.join(store.layout.agents, 'far', 'agent-1');
  const beat = (n: number, updatedAt = '1999-01-01T00:00:00.000Z') =>
    fs.writeFileSync(path.join(dir, 'heartbeat.json'), JSON.stringify({ agentId: 'far/agent-1', pid: owner.pid, host: owner.host, bootId: owner.bootId, phase: 'agent', task: 'a', gen: 1, beat: n, updatedAt, startedAt: updatedAt }));
  beat(1);
  return { store, beat };
}

/** A monitor of this host whose monotonic clock the test moves by hand. */
function monitorAt(store: QueueStore, clock: { ms: number }): Monitor {
  const options = { staleAfterMs: STALE_AFTER, killGraceMs: 300, maxAttempts: 5, target: 'main', land: 'merge' as const };
  return new Monitor({ store, options, owner: { agentId: 'h/agent-1', pid: process.pid, host: os.hostname(), bootId: hostBootId() }, emit: () => undefined, now: () => clock.ms });
}

const elsewhere = (pid: number, pidStart: string): Owner => ({ host: `${os.hostname()}-other`, bootId: 'another-machine', pid, pidStart });

describe('monitor: claims of other hosts', () => {
  it.each([
    ['its pid is dead here', async () => { const d = await deadProcess(); return { pid: d.pid, pidStart: d.startTime }; }],
    ['its pid is alive here as another process', async () => ({ pid: process.pid, pidStart: processStartTime(process.pid)! })],
  ])('%s: judged by its heartbeat only, after staleAfter of silence on this clock', async (_name, pidOf) => {
    const { pid, pidStart } = await pidOf();
    const { store, beat } = claimedBy(elsewhere(pid, pidStart));
    const clock = { ms: 5_000_000 };
    const monitor = monitorAt(store, clock);
    // Its stamps are decades old by this host's wall clock: they do not count.
    expect(await monitor.pass()).toEqual([]);
    clock.ms += STALE_AFTER - 1;
    expect(await monitor.pass()).toEqual([]);
    // A beat restarts the count, whatever time it claims to be written at.
    beat(2, '2999-01-01T00:00:00.000Z');
    clock.ms += 2;
    expect(await monitor.pass()).toEqual([]);
    clock.ms += STALE_AFTER - 1;
    expect(await monitor.pass()).toEqual([]);
    expect(store.claims.snapshot('a').live).toBe(1);
    clock.ms += 1;
    expect(await monitor.pass()).toEqual(['a']);
    expect(store.claims.readRelease('a', 2)).toMatchObject({ outcome: 'requeued', reclaimedGen: 1 });
    expect(store.claims.readRelease('a', 2)?.reason).toMatch(/heartbeat of far\/agent-1 .* unchanged for 10s/);
    expect(store.taskFiles('inbox')).toEqual(['a.json']);
  });

  it('a fresh monitor waits a whole staleAfter before judging a silent owner of another host', async () => {
    const dead = await deadProcess();
    const { store } = claimedBy(elsewhere(dead.pid, dead.startTime));
    // A monitor that started long after the owner's last beat sees it for the first time now.
    const clock = { ms: 1_000_000_000 };
    const monitor = monitorAt(store, clock);
    expect(await monitor.pass()).toEqual([]);
    clock.ms += STALE_AFTER - 1;
    expect(await monitor.pass()).toEqual([]);
    clock.ms += 1;
    expect(await monitor.pass()).toEqual(['a']);
  });

  it('an owner of this host whose pid is dead is reclaimed at once', async () => {
    const dead = await deadProcess();
    const { store } = claimedBy({ host: os.hostname(), bootId: hostBootId()!, pid: dead.pid, pidStart: dead.startTime });
    expect(await monitorAt(store, { ms: 0 }).pass()).toEqual(['a']);
  });
});
