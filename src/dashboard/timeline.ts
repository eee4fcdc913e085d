import type { PlEvent } from '../lifecycle/events.js';
import { readEventsFrom } from '../events/read-from.js';

/** One attempt on the timeline: when its agent ran, and how it ended. */
export interface TimelineAttempt {
  task: string;
  gen: number | null;
  attempt: number | null;
  agent: string;
  startMs: number;
  /** The agent stopped (attempt-finished); null while it runs. */
  finishedMs: number | null;
  /** The task left the attempt (done, failed, retry...); after `finishedMs` this is the landing. */
  endMs: number | null;
  /** `running`, then `done`, `failed`, `retry`, `requeued`, `held` or `lost`. */
  outcome: string;
  costUsd: number;
}

/** Per minute: tasks finished and money spent, for the throughput and spending charts. */
export interface MinuteTotals {
  done: number;
  failed: number;
  costUsd: number;
}

/** The event log folded for the timeline, and where in the file the fold stops. */
export interface TimelineState {
  offset: number;
  ino: number;
  /** Oldest first; at most KEEP_ATTEMPTS. */
  attempts: TimelineAttempt[];
  /** By minute (epoch ms / 60,000). */
  minutes: Map<number, MinuteTotals>;
}

/** The timeline keeps this many newest attempts: enough for a day of 8 agents, bounded for 10,000 tasks. */
const KEEP_ATTEMPTS = 2000;

export function emptyTimeline(): TimelineState {
  return { offset: 0, ino: 0, attempts: [], minutes: new Map() };
}

/** Bring the timeline up to date with the lines appended to the log; a replaced log starts over. */
export function loadTimeline(eventsFile: string, state: TimelineState): TimelineState {
  const tail = readEventsFrom(eventsFile, state.offset, state.ino);
  if (!tail.restarted && tail.offset === state.offset) return state;
  const base = tail.restarted ? emptyTimeline() : state;
  return { ...foldTimeline(base, tail.events), offset: tail.offset, ino: tail.ino };
}

/** Fold events into the timeline (updated in place and returned). Pure but for the mutation. */
export function foldTimeline(state: TimelineState, events: readonly PlEvent[]): TimelineState {
  for (const e of events) foldOne(state, e);
  if (state.attempts.length > KEEP_ATTEMPTS) state.attempts.splice(0, state.attempts.length - KEEP_ATTEMPTS);
  return state;
}

function foldOne(state: TimelineState, e: PlEvent): void {
  const t = Date.parse(e.time);
  if (!Number.isFinite(t) || typeof e.task !== 'string') return;
  const gen = typeof e.gen === 'number' ? e.gen : null;
  if (e.type === 'attempt-started') {
    const attempt = typeof e.attempt === 'number' ? e.attempt : null;
    // A reclaim starts a new generation of the same task: whatever was still open of it was lost.
    for (const open of openOf(state, e.task)) end(open, t, 'lost');
    state.attempts.push({ task: e.task, gen, attempt, agent: e.agent ?? '?', startMs: t, finishedMs: null, endMs: null, outcome: 'running', costUsd: 0 });
    return;
  }
  const open = openOf(state, e.task).at(-1);
  switch (e.type) {
    case 'attempt-finished': {
      const cost = (e.usage as { costUsd?: unknown } | undefined)?.costUsd;
      const usd = typeof cost === 'number' && Number.isFinite(cost) ? cost : 0;
      minuteAt(state, t).costUsd += usd;
      if (open) {
        open.finishedMs = t;
        open.costUsd += usd;
      }
      return;
    }
    case 'done':
    case 'already-landed':
      minuteAt(state, t).done++;
      if (open) end(open, t, 'done');
      return;
    case 'failed':
      minuteAt(state, t).failed++;
      if (open) end(open, t, 'failed');
      return;
    case 'retry':
    case 'requeued':
    case 'held':
    case 'reclaimed':
    case 'rejected':
      if (open) end(open, t, e.type === 'reclaimed' ? 'lost' : e.type);
      return;
  }
}

function minuteAt(state: TimelineState, t: number): MinuteTotals {
  const key = Math.floor(t / 60_000);
  let m = state.minutes.get(key);
  if (!m) state.minutes.set(key, (m = { done: 0, failed: 0, costUsd: 0 }));
  return m;
}

function openOf(state: TimelineState, task: string): TimelineAttempt[] {
  const found: TimelineAttempt[] = [];
  // Newest last; open attempts are near the end, so the walk back stops early in a long log.
  for (let i = state.attempts.length - 1; i >= 0 && i >= state.attempts.length - 200; i--) {
    const a = state.attempts[i]!;
    if (a.task === task && a.endMs === null) found.unshift(a);
  }
  return found;
}

function end(a: TimelineAttempt, t: number, outcome: string): void {
  a.endMs = t;
  a.finishedMs ??= t;
  a.outcome = outcome;
}

/** What the page draws: attempts in the window, and cumulative series per minute. */
export interface TimelineView {
  fromMs: number | null;
  toMs: number;
  attempts: TimelineAttempt[];
  /** Cumulative since the first minute shown: [minute start ms, done, failed, cost]. */
  series: Array<[number, number, number, number]>;
}

/** The timeline as the page shows it, up to `now`. Pure. */
export function timelineView(state: TimelineState, now: number): TimelineView {
  const attempts = state.attempts;
  const minutes = [...state.minutes.keys()].sort((a, b) => a - b);
  const fromMs = attempts[0]?.startMs ?? (minutes[0] !== undefined ? minutes[0] * 60_000 : null);
  let done = 0;
  let failed = 0;
  let cost = 0;
  const series: TimelineView['series'] = [];
  for (const m of minutes) {
    const v = state.minutes.get(m)!;
    done += v.done;
    failed += v.failed;
    cost += v.costUsd;
    series.push([m * 60_000, done, failed, Math.round(cost * 1e6) / 1e6]);
  }
  // A finished run's timeline ends where its work did, not at the moment the page looks at it.
  const running = attempts.some((a) => a.endMs === null);
  const lastEnd = Math.max(...attempts.map((a) => a.endMs ?? a.startMs), ...series.map((p) => p[0] + 60_000));
  return { fromMs, toMs: running || !Number.isFinite(lastEnd) ? now : lastEnd, attempts, series };
}
