// judgeOwner is pure: a table of owners, hosts and clocks, and what each verdict must be.
import { describe, expect, it } from 'vitest';
import { HeartbeatClock, judgeOwner, type JudgeContext } from '../../src/health/judge.js';
import type { Lease } from '../../src/lifecycle/records.js';

const STALE_AFTER = 30_000;
const lease = (over: Partial<Lease> = {}): Lease => ({
  taskId: 't', gen: 1, agentId: 'agent-1', pid: 4242, pidStart: '1000', host: 'here', bootId: 'boot-1', file: 't.md', claimedAt: '2026-01-01T00:00:00Z', ...over,
});
const ctx = (nowMs: number, alive: boolean, over: Partial<JudgeContext> = {}): JudgeContext => ({
  host: 'here', bootId: 'boot-1', nowMs, staleAfterMs: STALE_AFTER, isSameProcess: () => alive, ...over,
});

describe('judgeOwner', () => {
  it.each([
    // [case, lease, alive on this host, ms the heartbeat has been unchanged, stale?, reason]
    ['dead pid on this host, fresh heartbeat', lease(), false, 0, true, /no longer running/],
    ['pid reused on this host (another start time)', lease(), false, 10, true, /no longer running/],
    ['live owner on this host, heartbeat moving', lease(), true, 100, false, undefined],
    ['live but silent owner on this host (stopped)', lease(), true, STALE_AFTER, true, /unchanged for 30s/],
    ['this host rebooted since the claim', lease({ bootId: 'boot-0' }), true, 0, true, /rebooted/],
    ['other host, heartbeat quiet for less than staleAfter', lease({ host: 'there' }), false, STALE_AFTER - 1, false, undefined],
    ['other host, heartbeat quiet for staleAfter', lease({ host: 'there' }), false, STALE_AFTER, true, /unchanged for 30s/],
    ['lease without a start time: only the heartbeat counts', lease({ pidStart: undefined }), false, 5, false, undefined],
  ] as const)('%s', (_name, owner, alive, quietMs, stale, reason) => {
    const now = 1_000_000;
    const verdict = judgeOwner({ lease: owner, heartbeat: { beat: 7, pid: owner.pid }, unchangedSinceMs: now - quietMs }, ctx(now, alive));
    expect(verdict.stale).toBe(stale);
    if (verdict.stale) expect(verdict.reason).toMatch(reason!);
  });

  it('never asks this host about the pid of an owner on another host', () => {
    const verdict = judgeOwner({ lease: lease({ host: 'there', bootId: 'other-boot' }), unchangedSinceMs: 0 }, ctx(10, false, { isSameProcess: () => { throw new Error('asked'); } }));
    expect(verdict.stale).toBe(false);
  });

  it('a slow agent whose worker keeps heartbeating is never stale, however long it runs', () => {
    const clock = new HeartbeatClock();
    for (let t = 0, beat = 0; t <= 60 * 60_000; t += 5_000, beat++) {
      const since = clock.observe('agent-1:4242:t:1', String(beat), t);
      expect(judgeOwner({ lease: lease(), heartbeat: { beat, pid: 4242 }, unchangedSinceMs: since }, ctx(t, true)).stale).toBe(false);
    }
  });

  it('measures quiet time on the observer\'s clock: a fresh monitor waits staleAfter before judging another host', () => {
    const clock = new HeartbeatClock();
    const other = lease({ host: 'there' });
    // The owner's heartbeat was written long ago by its clock; this monitor first sees it at 5,000,000.
    const first = clock.observe('o', 'beat-9', 5_000_000);
    expect(judgeOwner({ lease: other, unchangedSinceMs: first }, ctx(5_000_000, false)).stale).toBe(false);
    const later = clock.observe('o', 'beat-9', 5_000_000 + STALE_AFTER - 1);
    expect(judgeOwner({ lease: other, unchangedSinceMs: later }, ctx(5_000_000 + STALE_AFTER - 1, false)).stale).toBe(false);
    expect(judgeOwner({ lease: other, unchangedSinceMs: later }, ctx(5_000_000 + STALE_AFTER, false)).stale).toBe(true);
    // A change restarts the count.
    const changed = clock.observe('o', 'beat-10', 5_000_000 + STALE_AFTER + 1);
    expect(judgeOwner({ lease: other, unchangedSinceMs: changed }, ctx(5_000_000 + STALE_AFTER + 2, false)).stale).toBe(false);
  });
});
