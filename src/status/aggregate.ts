import type { AgentState } from '../lifecycle/records.js';
import { stageCounts } from './columns.js';
import type { EventDigest } from './digest.js';
import type { AgentRow, AgentSnapshot, FinishedRow, FinishedSnapshot, HostRow, RunningRow, Status, StatusSnapshot } from './types.js';

/** Knobs of the aggregate; the defaults are what the CLI shows. */
export interface AggregateOptions {
  /** Throughput is measured over this window. Default 3,600,000 ms (an hour); at most a day. */
  windowMs?: number;
  /** An agent whose heartbeat is this old (by its own time stamp) shows as stale. Default 30,000 ms, the run's default. */
  staleAfterMs?: number;
}

const HOUR = 3600_000;
/** A rate over less than this is mostly noise: the first task of a run would read as thousands an hour. */
const MIN_RATE_SPAN_MS = 60_000;

/** What the status says, from a snapshot and the time. Pure: the same inputs give the same Status. */
export function aggregate(snapshot: StatusSnapshot, now: number, options: AggregateOptions = {}): Status {
  const windowMs = Math.min(options.windowMs ?? HOUR, 24 * HOUR);
  const { digest } = snapshot;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const agents = [...snapshot.agents]
    .sort((a, b) => naturalCompare(a.heartbeat.host ?? '', b.heartbeat.host ?? '') || naturalCompare(a.heartbeat.agentId, b.heartbeat.agentId))
    .map((a) => agentRow(a, snapshot, now, staleAfterMs));
  const running = snapshot.running.map((r): RunningRow => {
    const hb = snapshot.agents.find((a) => a.heartbeat.task === r.task && (r.gen === undefined || a.heartbeat.gen === r.gen))?.heartbeat;
    const startedAt = hb?.taskStartedAt ?? r.lease?.claimedAt ?? null;
    const alive = snapshot.liveness[`lease:${r.task}`];
    return {
      task: r.task,
      gen: r.gen ?? null,
      agent: r.lease?.agentId ?? hb?.agentId ?? null,
      attempt: hb?.attempt ?? null,
      phase: hb?.phase ?? null,
      stage: hb?.stage ?? r.stage ?? null,
      startedAt,
      elapsedMs: since(startedAt, now),
      owner: r.gen === undefined ? 'unclaimed' : alive === undefined ? 'unknown' : alive ? 'alive' : 'dead',
    };
  });
  const active = agents.some((a) => a.alive === true) || running.some((r) => r.owner === 'alive');
  const remaining = snapshot.counts.inbox + snapshot.counts.running;
  const rate = donePerHour(digest, now, windowMs);
  return {
    version: 1,
    generatedAt: new Date(now).toISOString(),
    repo: snapshot.repo,
    queue: snapshot.queue,
    state: snapshot.state,
    active,
    counts: { ...snapshot.counts, landing: snapshot.held.length },
    agents,
    hosts: hostRows(agents),
    running,
    landing: landingRows(snapshot.held),
    waiting: snapshot.waiting.map((w) => ({ task: w.task, stage: w.stage, since: w.since })),
    stages: stageCounts(running, snapshot.waiting, snapshot.held.length),
    queued: { total: Math.max(0, snapshot.counts.inbox - snapshot.held.length), next: snapshot.queued },
    recent: { done: snapshot.recentDone.map(finishedRow), failed: snapshot.recentFailed.map(finishedRow) },
    throughput: {
      windowMs,
      donePerHour: round(rate, 2),
      doneLastHour: countSince(digest, now - HOUR, now, 0),
      failedLastHour: countSince(digest, now - HOUR, now, 1),
      inboxEtaMs: remaining === 0 ? 0 : rate > 0 ? Math.round((remaining / rate) * HOUR) : null,
    },
    work: work(digest, running, active, now),
    costUsd: round(digest.costUsd + agents.reduce((sum, a) => sum + runningCost(a.id, snapshot), 0), 6),
  };
}

/** Held tasks, then the landing queue in its order, each ready one with its place in it. */
function landingRows(held: StatusSnapshot['held']): Status['landing'] {
  const ready = held.filter((h) => h.ready);
  const row = (h: StatusSnapshot['held'][number], reason: string | null) => ({ task: h.task, agent: h.agent ?? null, attempt: h.attempt ?? null, since: h.at, reason });
  return [
    ...held.filter((h) => !h.ready).map((h) => row(h, h.reason ?? null)),
    ...ready.map((h, i) => ({ ...row(h, `ready to land (${i + 1} of ${ready.length} in the landing queue)`), queue: i + 1 })),
  ];
}

function agentRow(a: AgentSnapshot, snapshot: StatusSnapshot, now: number, staleAfterMs: number): AgentRow {
  const hb = a.heartbeat;
  const totals = snapshot.digest.agents[hb.agentId];
  const alive = snapshot.liveness[hb.agentId];
  const heartbeatAgeMs = since(hb.updatedAt, now);
  return {
    id: hb.agentId,
    pid: typeof hb.pid === 'number' ? hb.pid : null,
    host: hb.host,
    alive: alive ?? null,
    // A process seen gone is `alive: false`, which says more; one seen running is stale only when silent.
    stale: alive !== false && (a.reclaimed === true || (heartbeatAgeMs !== null && heartbeatAgeMs >= staleAfterMs)),
    phase: hb.phase,
    task: hb.task ?? null,
    gen: hb.gen ?? null,
    attempt: hb.attempt ?? null,
    elapsedMs: hb.task ? since(hb.taskStartedAt, now) : null,
    heartbeatAgeMs,
    lastEvent: hb.lastEvent ?? null,
    lastEventAt: hb.lastEventAt ?? null,
    note: typeof hb.note === 'string' ? hb.note : null,
    cpu: a.cpu ?? hb.cpu ?? null,
    memoryBytes: a.memory ?? hb.memory ?? null,
    costUsd: round((totals?.costUsd ?? 0) + runningCost(hb.agentId, snapshot), 6),
    done: totals?.done ?? 0,
    failed: totals?.failed ?? 0,
  };
}

function hostRows(agents: AgentRow[]): HostRow[] {
  const rows: HostRow[] = [];
  for (const a of agents) {
    let row = rows[rows.length - 1];
    if (row?.host !== a.host) rows.push((row = { host: a.host, agents: 0, alive: 0, stale: 0 }));
    row.agents++;
    if (a.alive === true && !a.stale) row.alive++;
    if (a.stale) row.stale++;
  }
  return rows;
}

// The heartbeat carries the usage of the attempt under way; once its attempt-finished event is in
// the log that cost is already summed there, so it is only added while the attempt is unfinished.
function runningCost(agentId: string, snapshot: StatusSnapshot): number {
  const hb: AgentState | undefined = snapshot.agents.find((a) => a.heartbeat.agentId === agentId)?.heartbeat;
  if (!hb?.task || typeof hb.usage?.costUsd !== 'number') return 0;
  const finished = snapshot.digest.agents[agentId]?.lastFinished === `${hb.task}#${hb.gen ?? ''}`;
  return finished ? 0 : hb.usage.costUsd;
}

function finishedRow(f: FinishedSnapshot): FinishedRow {
  const r = f.release;
  const landing = (r?.outcome === 'done' ? r.landing : undefined) as { status?: string; commit?: string; url?: string } | undefined;
  const usage = r?.usage as { costUsd?: number } | undefined;
  return {
    task: f.task,
    outcome: f.outcome,
    at: f.at,
    agent: f.agent ?? r?.agentId ?? null,
    attempt: f.attempt ?? num(r?.attempt),
    durationMs: num(r?.durationMs),
    costUsd: num(usage?.costUsd),
    landing: f.landing ?? landing?.status ?? null,
    commit: f.commit ?? landing?.commit ?? null,
    branch: typeof r?.branch === 'string' ? r.branch : null,
    url: f.url ?? (typeof landing?.url === 'string' ? landing.url : null),
    reason: f.reason ?? (typeof r?.reason === 'string' ? r.reason : null),
    escalated: f.outcome === 'failed' && (f.escalated === true || r?.escalated === true),
  };
}

// Tasks done per hour over the window, or over the current stretch of work when that is shorter.
function donePerHour(d: EventDigest, now: number, windowMs: number): number {
  const from = Math.max(now - windowMs, d.spanStartMs ?? now);
  const span = Math.max(now - from, MIN_RATE_SPAN_MS);
  return (countSince(d, from, now, 0) * HOUR) / span;
}

function countSince(d: EventDigest, from: number, to: number, outcome: 0 | 1): number {
  let n = 0;
  // Newest last: walk back until the window starts.
  for (let i = d.finishes.length - 1; i >= 0 && d.finishes[i]![0] >= from; i--) {
    const [t, o] = d.finishes[i]!;
    if (o === outcome && t <= to) n++;
  }
  return n;
}

// Speed-up: attempt time over wall time in the current stretch. Attempts under way count up to now;
// once nothing runs, the wall clock stops at the last activity so a finished run keeps its figure.
function work(d: EventDigest, running: RunningRow[], active: boolean, now: number): Status['work'] {
  if (d.spanStartMs === undefined) return { since: null, wallMs: 0, busyMs: 0, speedup: null, attempts: d.attempts };
  let busy = d.spanBusyMs;
  for (const r of running) {
    const open = d.open[r.task];
    if (open && r.owner === 'alive' && open.startMs >= d.spanStartMs) busy += Math.max(0, now - open.startMs);
  }
  const end = active ? now : Math.max(d.lastActivityMs ?? now, d.spanStartMs);
  const wallMs = Math.max(0, end - d.spanStartMs);
  return { since: new Date(d.spanStartMs).toISOString(), wallMs, busyMs: busy, speedup: wallMs > 0 ? round(busy / wallMs, 2) : null, attempts: d.attempts };
}

function since(iso: string | null | undefined, now: number): number | null {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? Math.max(0, now - t) : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** `agent-2` before `agent-10`. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
