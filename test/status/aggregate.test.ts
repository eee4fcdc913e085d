import { describe, expect, it } from 'vitest';
import type { PlEvent } from '../../src/lifecycle/events.js';
import { aggregate } from '../../src/status/aggregate.js';
import { emptyDigest, foldEvents, SPAN_GAP_MS } from '../../src/status/digest.js';
import type { RunningSnapshot, StatusSnapshot } from '../../src/status/types.js';
import type { AgentState } from '../../src/lifecycle/records.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const ev = (ms: number, type: PlEvent['type'], fields: Partial<PlEvent> = {}): PlEvent => ({ time: at(ms), type, agent: 'agent-1', gen: 1, attempt: 1, ...fields });

function heartbeat(fields: Partial<AgentState> = {}): AgentState {
  return { agentId: 'agent-1', pid: 100, host: 'h', phase: 'idle', beat: 1, updatedAt: at(0), startedAt: at(0), ...fields };
}

function snapshot(events: PlEvent[], fields: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    repo: '/r',
    queue: '/r/queue',
    state: '/r/.parallel-loop',
    counts: { inbox: 0, running: 0, done: 0, failed: 0, rejected: 0 },
    queued: [],
    agents: [],
    running: [],
    held: [],
    waiting: [],
    recentDone: [],
    recentFailed: [],
    liveness: {},
    digest: foldEvents(emptyDigest(), events),
    ...fields,
  };
}

/** One task `t<n>` started at `start` and done `ms` later by `agent`. */
function task(n: number, start: number, ms: number, agent = 'agent-1', cost?: number): PlEvent[] {
  const base = { task: `t${n}`, agent };
  return [
    ev(start, 'attempt-started', base),
    ev(start + ms, 'attempt-finished', { ...base, durationMs: ms, usage: cost === undefined ? {} : { costUsd: cost } }),
    ev(start + ms + 10, 'done', { ...base, landing: { status: 'landed', commit: 'c'.repeat(40) } }),
  ];
}

describe('aggregate', () => {
  it('measures speed-up, throughput and the ETA of the inbox over the current stretch of work', () => {
    // Two agents, four 60 s tasks in 120 s of wall time: speed-up 2, 4 done in 2 minutes.
    const events = [...task(1, 0, 60_000), ...task(2, 0, 60_000, 'agent-2'), ...task(3, 60_000, 60_000), ...task(4, 60_000, 60_000, 'agent-2')];
    const s = aggregate(snapshot(events, { counts: { inbox: 6, running: 0, done: 4, failed: 0, rejected: 0 } }), T0 + 120_010);
    expect(s.work.speedup).toBe(2);
    expect(s.throughput.donePerHour).toBeCloseTo(4 * 30, 0);
    expect(s.throughput.doneLastHour).toBe(4);
    // 6 waiting at 120 an hour: 3 minutes.
    expect(s.throughput.inboxEtaMs).toBeCloseTo(180_000, -3);
    expect(s.active).toBe(false);
  });

  it('groups agents by host, and calls stale those that were reclaimed or fell silent', () => {
    const agents = [
      { heartbeat: heartbeat({ agentId: 'b/agent-1', host: 'b', phase: 'agent', task: 't1', gen: 1, updatedAt: at(59_000) }), reclaimed: true },
      { heartbeat: heartbeat({ agentId: 'b/agent-2', host: 'b', updatedAt: at(0) }) },
      { heartbeat: heartbeat({ agentId: 'a/agent-10', host: 'a', updatedAt: at(59_000) }) },
      { heartbeat: heartbeat({ agentId: 'a/agent-2', host: 'a', updatedAt: at(0) }) },
    ];
    // Host a is this one: a/agent-10 runs; a/agent-2 is gone, which says more than stale.
    const liveness = { 'a/agent-10': true, 'a/agent-2': false };
    const s = aggregate(snapshot([], { agents, liveness }), T0 + 60_000, { staleAfterMs: 30_000 });
    expect(s.agents.map((a) => [a.id, a.alive, a.stale])).toEqual([
      ['a/agent-2', false, false],
      ['a/agent-10', true, false],
      // Reclaimed: stale with a fresh heartbeat. Silent for a minute: stale by its heartbeat's age.
      ['b/agent-1', null, true],
      ['b/agent-2', null, true],
    ]);
    expect(s.hosts).toEqual([{ host: 'a', agents: 2, alive: 1, stale: 0 }, { host: 'b', agents: 2, alive: 0, stale: 2 }]);
    // The same silence under a longer staleAfter is not stale yet.
    expect(aggregate(snapshot([], { agents, liveness }), T0 + 60_000, { staleAfterMs: 120_000 }).agents.map((a) => a.stale)).toEqual([false, false, true, false]);
  });

  it('starts a new stretch after an idle hour, so yesterday does not dilute today', () => {
    const later = 5 * SPAN_GAP_MS;
    const s = aggregate(snapshot([...task(1, 0, 60_000), ...task(2, later, 30_000)]), T0 + later + 30_010);
    expect(s.work.since).toBe(at(later));
    expect(s.work.busyMs).toBe(30_000);
    expect(s.throughput.doneLastHour).toBe(1);
  });

  it('has no ETA when nothing finishes, and zero when nothing waits', () => {
    expect(aggregate(snapshot([], { counts: { inbox: 3, running: 0, done: 0, failed: 0, rejected: 0 } }), T0).throughput.inboxEtaMs).toBeNull();
    expect(aggregate(snapshot([]), T0).throughput.inboxEtaMs).toBe(0);
    expect(aggregate(snapshot([]), T0).work.speedup).toBeNull();
  });

  it('adds the running attempt cost from the heartbeat once, not again after its attempt-finished event', () => {
    const events = [...task(1, 0, 1000, 'agent-1', 0.5), ev(2000, 'attempt-started', { task: 't2', gen: 1 })];
    const working = heartbeat({ phase: 'agent', task: 't2', gen: 1, attempt: 1, taskStartedAt: at(2000), usage: { costUsd: 0.25 } });
    const live = aggregate(snapshot(events, { agents: [{ heartbeat: working }] }), T0 + 3000);
    expect(live.costUsd).toBe(0.75);
    expect(live.agents[0]!.costUsd).toBe(0.75);
    const finished = [...events, ev(4000, 'attempt-finished', { task: 't2', gen: 1, durationMs: 2000, usage: { costUsd: 0.25 } })];
    const landing = aggregate(snapshot(finished, { agents: [{ heartbeat: { ...working, phase: 'landing' } }] }), T0 + 4100);
    expect(landing.costUsd).toBe(0.75);
  });

  it('takes liveness from the map it is given and leaves it unknown otherwise', () => {
    const agents = [{ heartbeat: heartbeat({ agentId: 'agent-10', updatedAt: at(1000) }) }, { heartbeat: heartbeat({ agentId: 'agent-2' }) }, { heartbeat: heartbeat({ agentId: 'agent-1' }) }];
    const s = aggregate(snapshot([], { agents, liveness: { 'agent-1': true, 'agent-2': false } }), T0 + 5000);
    expect(s.agents.map((a) => [a.id, a.alive])).toEqual([
      ['agent-1', true],
      ['agent-2', false],
      ['agent-10', null],
    ]);
    expect(s.agents[2]!.heartbeatAgeMs).toBe(4000);
    expect(s.active).toBe(true);
  });

  it('marks a running task whose claim owner is gone, or that no claim holds', () => {
    const running = [
      { task: 'a', file: 'a.md', gen: 2, lease: { taskId: 'a', gen: 2, agentId: 'agent-1', pid: 1, host: 'h', file: 'a.md', claimedAt: at(0) } },
      { task: 'b', file: 'b.md' },
    ];
    const s = aggregate(snapshot([], { running, liveness: { 'lease:a': false } }), T0 + 1000);
    expect(s.running.map((r) => [r.task, r.owner, r.elapsedMs])).toEqual([
      ['a', 'dead', 1000],
      ['b', 'unclaimed', null],
    ]);
  });

  it('lists held tasks under landing and leaves them out of the queued count', () => {
    const held = [{ task: 'h', at: at(0), reason: 'dirty checkout', attempt: 1, agent: 'agent-1' }];
    const s = aggregate(snapshot([], { held, counts: { inbox: 3, running: 0, done: 0, failed: 0, rejected: 0 } }), T0);
    expect(s.counts.landing).toBe(1);
    expect(s.queued.total).toBe(2);
    expect(s.landing).toEqual([{ task: 'h', agent: 'agent-1', attempt: 1, since: at(0), reason: 'dirty checkout' }]);
  });

  it('counts tasks per stage, in hand by heartbeat or claim history and waiting in the inbox, and marks escalated failures', () => {
    const hb = (id: string, task: string, stage: AgentState['stage'], phase: AgentState['phase'] = 'agent') =>
      ({ heartbeat: heartbeat({ agentId: id, phase, task, gen: 2, attempt: 1, stage, taskStartedAt: at(0) }) });
    const running = (task: string, stage?: RunningSnapshot['stage']) => ({ task, file: `${task}.md`, gen: 2, ...(stage ? { stage } : {}) });
    const events = [ev(0, 'failed', { task: 'stuck', reason: 'review asked for changes (the second time)', escalated: true }), ev(0, 'failed', { task: 'plain', reason: 'exit code 1' })];
    const s = aggregate(
      snapshot(events, {
        counts: { inbox: 4, running: 5, done: 0, failed: 2, rejected: 0 },
        // impl and rev by their agents' heartbeats; tst's agent is gone, its claim history says test.
        agents: [hb('agent-1', 'impl', 'implement'), hb('agent-2', 'rev', 'review'), hb('agent-3', 'lnd', 'land', 'landing'), hb('agent-4', 'solo', undefined, 'verifying')],
        running: [running('impl'), running('rev'), running('tst', 'test'), running('lnd'), running('solo')],
        waiting: [{ task: 'w-review', stage: 'review', since: at(1) }, { task: 'w-test', stage: 'test', since: at(2) }, { task: 'w-again', stage: 'implement', since: at(3) }],
        queued: ['fresh', 'w-again', 'w-review', 'w-test'],
        recentFailed: [{ task: 'stuck', outcome: 'failed', at: at(0), escalated: true }, { task: 'plain', outcome: 'failed', at: at(0) }],
      }),
      T0 + 10_000,
    );
    expect(s.running.map((r) => [r.task, r.stage])).toEqual([['impl', 'implement'], ['rev', 'review'], ['tst', 'test'], ['lnd', 'land'], ['solo', null]]);
    expect(s.waiting.map((w) => w.task)).toEqual(['w-review', 'w-test', 'w-again']);
    // implement: impl + w-again; review: rev + w-review; test: tst + w-test; landing: lnd + solo (verifying, no pipeline).
    expect(s.stages).toEqual({ implement: 2, review: 2, test: 2, landing: 2 });
    expect(s.recent.failed.map((f) => [f.task, f.escalated])).toEqual([['stuck', true], ['plain', false]]);
  });
});
