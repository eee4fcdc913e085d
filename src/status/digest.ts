import type { PlEvent } from '../lifecycle/events.js';

/** A finished task as the event log tells it; details come from its release record when shown. */
export interface FinishedRef {
  task: string;
  gen?: number;
  attempt?: number;
  agent?: string;
  outcome: 'done' | 'failed';
  at: string;
  /** Landing status of a done task (landed, already-landed, kept, nothing-to-land, pr). */
  landing?: string;
  commit?: string;
  /** The pull request of a task done with `land: pr`. */
  url?: string;
  reason?: string;
  /** A pipeline task that a person must look at (a failed event with `escalated: true`). */
  escalated?: boolean;
}

/** A task waiting in the inbox to land: held (dirty target checkout), or `ready` in the landing queue. */
export interface HeldRef {
  task: string;
  gen?: number;
  attempt?: number;
  agent?: string;
  at: string;
  reason?: string;
  ready?: boolean;
}

/** What one agent did, summed over the log. */
export interface AgentTotals {
  attempts: number;
  busyMs: number;
  costUsd: number;
  done: number;
  failed: number;
  /** `<task>#<gen>` of its last finished attempt: that attempt's cost is already in `costUsd`. */
  lastFinished?: string;
}

/**
 * Everything status needs from events.jsonl, folded line by line so a pass only reads what was
 * appended since the last one. Plain JSON: it is cached in `.parallel-loop/status-cache.json`.
 */
export interface EventDigest {
  version: 1;
  /** Lines folded so far. */
  events: number;
  lastEventMs?: number;
  /** Start of the current stretch of work: the first attempt after an idle hour (see SPAN_GAP_MS). */
  spanStartMs?: number;
  /** Attempt time finished within the current stretch. */
  spanBusyMs: number;
  lastActivityMs?: number;
  /** Attempts started and not yet ended, by task: start time and generation. */
  open: Record<string, { gen?: number; startMs: number; agent?: string }>;
  attempts: number;
  busyMs: number;
  costUsd: number;
  /** [time ms, 0 done | 1 failed] of tasks finished within RETAIN_MS of the newest event. */
  finishes: Array<[number, 0 | 1]>;
  /** The newest finished tasks, oldest first, at most RECENT_KEEP of each outcome. */
  done: FinishedRef[];
  failed: FinishedRef[];
  held: Record<string, HeldRef>;
  /**
   * Pipeline tasks not finished yet, by id: the time of their last stage event. Candidates for a task
   * waiting in the inbox for its next stage, which the claim history confirms. Absent from older caches.
   */
  staged?: Record<string, string>;
  agents: Record<string, AgentTotals>;
}

/** Finish times are kept this long, so any window up to a day can be measured. */
export const RETAIN_MS = 24 * 3600_000;
/** A new attempt after this long with nothing running starts a new stretch of work. */
export const SPAN_GAP_MS = 3600_000;
/** Open attempts older than this with no event since are taken as lost to a crash. */
const OPEN_LOST_MS = 24 * 3600_000;
/** Finished tasks kept per outcome for the Recent list and the board. */
export const RECENT_KEEP = 50;
const FINISHES_CAP = 200_000;

/** The digest of an empty log. */
export function emptyDigest(): EventDigest {
  return { version: 1, events: 0, spanBusyMs: 0, open: {}, attempts: 0, busyMs: 0, costUsd: 0, finishes: [], done: [], failed: [], held: {}, staged: {}, agents: {} };
}

/** Fold events into `digest` (updated in place and returned). No IO. */
export function foldEvents(digest: EventDigest, events: readonly PlEvent[]): EventDigest {
  for (const e of events) foldOne(digest, e);
  if (digest.lastEventMs !== undefined) {
    const keepFrom = digest.lastEventMs - RETAIN_MS;
    let drop = 0;
    while (drop < digest.finishes.length && digest.finishes[drop]![0] < keepFrom) drop++;
    drop = Math.max(drop, digest.finishes.length - FINISHES_CAP);
    if (drop > 0) digest.finishes.splice(0, drop);
  }
  return digest;
}

function foldOne(d: EventDigest, e: PlEvent): void {
  const t = Date.parse(e.time);
  if (!Number.isFinite(t)) return;
  d.events++;
  d.lastEventMs = Math.max(d.lastEventMs ?? t, t);
  const task = e.task;
  if (!task) return;
  const gen = typeof e.gen === 'number' ? e.gen : undefined;
  const attempt = typeof e.attempt === 'number' ? e.attempt : undefined;
  switch (e.type) {
    case 'attempt-started': {
      startSpan(d, t);
      d.open[task] = { gen, startMs: t, agent: e.agent };
      if (e.stage) (d.staged ??= {})[task] = e.time;
      d.attempts++;
      totals(d, e.agent).attempts++;
      delete d.held[task];
      break;
    }
    case 'attempt-finished': {
      delete d.open[task];
      const ms = typeof e.durationMs === 'number' ? e.durationMs : 0;
      const cost = (e.usage as { costUsd?: unknown } | undefined)?.costUsd;
      const usd = typeof cost === 'number' && Number.isFinite(cost) ? cost : 0;
      d.busyMs += ms;
      d.spanBusyMs += ms;
      d.costUsd += usd;
      const a = totals(d, e.agent);
      a.busyMs += ms;
      a.costUsd += usd;
      a.lastFinished = `${task}#${gen ?? ''}`;
      break;
    }
    case 'done':
    case 'already-landed': {
      const landing = (e.landing ?? {}) as { status?: string; commit?: string; url?: string };
      const status = e.type === 'already-landed' ? 'already-landed' : landing.status;
      finish(d, e, t, { task, gen, attempt, agent: e.agent, outcome: 'done', at: e.time, landing: status, commit: landing.commit, ...(typeof landing.url === 'string' ? { url: landing.url } : {}) });
      break;
    }
    case 'failed':
      finish(d, e, t, { task, gen, attempt, agent: e.agent, outcome: 'failed', at: e.time, reason: typeof e.reason === 'string' ? e.reason : undefined, escalated: e.escalated === true ? true : undefined });
      break;
    case 'advanced':
      (d.staged ??= {})[task] = e.time;
      delete d.open[task];
      break;
    case 'held':
      d.held[task] = { task, gen, attempt, agent: e.agent, at: e.time, reason: typeof e.reason === 'string' ? e.reason : undefined };
      delete d.open[task];
      break;
    case 'ready':
      // Re-inserted, so the digest's order stays the landing queue's: oldest ready first.
      delete d.held[task];
      d.held[task] = { task, gen, attempt, agent: e.agent, at: e.time, ready: true };
      delete d.open[task];
      break;
    case 'retry':
    case 'requeued':
    case 'reclaimed':
    case 'rejected':
      delete d.open[task];
      if (e.type === 'rejected') {
        delete d.held[task];
        delete d.staged?.[task];
      }
      break;
    default:
      return;
  }
  d.lastActivityMs = Math.max(d.lastActivityMs ?? t, t);
}

// Throughput and speed-up describe the work going on now, not every run this folder has seen:
// a stretch starts at the first attempt after an hour in which nothing ran.
function startSpan(d: EventDigest, t: number): void {
  const idleFor = d.lastActivityMs === undefined ? Infinity : t - d.lastActivityMs;
  if (idleFor >= OPEN_LOST_MS) d.open = {};
  if (d.spanStartMs === undefined || (idleFor >= SPAN_GAP_MS && Object.keys(d.open).length === 0)) {
    d.spanStartMs = t;
    d.spanBusyMs = 0;
  }
}

function finish(d: EventDigest, e: PlEvent, t: number, ref: FinishedRef): void {
  delete d.open[ref.task];
  delete d.held[ref.task];
  delete d.staged?.[ref.task];
  d.finishes.push([t, ref.outcome === 'done' ? 0 : 1]);
  const list = ref.outcome === 'done' ? d.done : d.failed;
  list.push(dropUndefined(ref));
  if (list.length > RECENT_KEEP) list.splice(0, list.length - RECENT_KEEP);
  totals(d, e.agent)[ref.outcome]++;
}

function totals(d: EventDigest, agent: string | undefined): AgentTotals {
  const id = agent ?? '?';
  return (d.agents[id] ??= { attempts: 0, busyMs: 0, costUsd: 0, done: 0, failed: 0 });
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
