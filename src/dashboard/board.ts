import type { TaskState } from '../queue/layout.js';
import type { AgentRow, FinishedRow, Status } from '../status/types.js';

/**
 * The board's columns, left to right. Data, not layout: a pipeline stage is one more entry here and
 * one more phase in PHASE_COLUMN, and the page draws whatever columns it is sent.
 */
export const COLUMNS = [
  { id: 'queued', title: 'Queued' },
  { id: 'implementing', title: 'Implementing' },
  { id: 'review', title: 'In review' },
  { id: 'testing', title: 'Testing' },
  { id: 'landing', title: 'Landing' },
  { id: 'done', title: 'Done' },
  { id: 'failed', title: 'Failed / Escalated' },
] as const;
export type ColumnId = (typeof COLUMNS)[number]['id'];

/** The column of a running task by its agent's phase; any other phase is Implementing. */
export const PHASE_COLUMN: Readonly<Record<string, ColumnId>> = { verifying: 'landing', landing: 'landing' };

/** One task on the board. `null`: not known or not applicable. */
export interface Card {
  id: string;
  title: string | null;
  agent: string | null;
  attempt: number | null;
  elapsedMs: number | null;
  costUsd: number | null;
  /** Why it failed, or why its landing waits. */
  reason: string | null;
  /** When it finished, or since when it waits to land. */
  at: string | null;
  phase: string | null;
}

export interface Column {
  id: ColumnId;
  title: string;
  /** Tasks in the column, all of them; `cards` holds the first few. */
  count: number;
  cards: Card[];
}

/** An agent row with what the page marks: a heartbeat older than `staleMs`. */
export interface AgentView extends AgentRow {
  stale: boolean;
}

/** What `/api/board` and every live update send. */
export interface BoardView {
  generatedAt: string;
  active: boolean;
  counts: Status['counts'];
  columns: Column[];
  agents: AgentView[];
  throughput: Status['throughput'];
  work: Status['work'];
  costUsd: number;
}

/** Title of a task by id and the state folder it is in, when its file could be read. */
export type TitleOf = (id: string, state: TaskState) => string | null;

/**
 * The board from one status and the titles of its tasks. Pure. Counts are the status's own: Queued is
 * `queued.total`, Implementing to Landing split `running` by phase (held tasks join Landing), Done and
 * Failed are the folders' counts while their cards are the most recent ones.
 */
export function boardView(status: Status, titleOf: TitleOf, staleMs: number): BoardView {
  const cards = new Map<ColumnId, Card[]>(COLUMNS.map((c) => [c.id, []]));
  const counts = new Map<ColumnId, number>(COLUMNS.map((c) => [c.id, 0]));
  const blank = { agent: null, attempt: null, elapsedMs: null, costUsd: null, reason: null, at: null, phase: null };
  for (const id of status.queued.next) cards.get('queued')!.push({ ...blank, id, title: titleOf(id, 'inbox') });
  counts.set('queued', status.queued.total);
  for (const r of status.running) {
    const column = PHASE_COLUMN[r.phase ?? ''] ?? 'implementing';
    const reason = r.owner === 'dead' ? 'its agent is gone; the monitor reclaims it' : r.owner === 'unclaimed' ? 'no live claim; the next worker repairs it' : null;
    cards.get(column)!.push({ id: r.task, title: titleOf(r.task, 'running'), agent: r.agent, attempt: r.attempt, elapsedMs: r.elapsedMs, costUsd: null, reason, at: r.startedAt, phase: r.phase });
    counts.set(column, counts.get(column)! + 1);
  }
  for (const l of status.landing) {
    cards.get('landing')!.push({ ...blank, id: l.task, title: titleOf(l.task, 'inbox'), agent: l.agent, attempt: l.attempt, reason: l.reason ?? 'held', at: l.since, phase: 'held' });
  }
  counts.set('landing', counts.get('landing')! + status.counts.landing);
  const finished = (r: FinishedRow): Card => ({ id: r.task, title: titleOf(r.task, 'running'), agent: r.agent, attempt: r.attempt, elapsedMs: r.durationMs, costUsd: r.costUsd, reason: r.reason, at: r.at, phase: null });
  cards.set('done', status.recent.done.map(finished));
  cards.set('failed', status.recent.failed.map(finished));
  counts.set('done', status.counts.done);
  counts.set('failed', status.counts.failed);
  return {
    generatedAt: status.generatedAt,
    active: status.active,
    counts: status.counts,
    columns: COLUMNS.map((c) => ({ id: c.id, title: c.title, count: counts.get(c.id)!, cards: cards.get(c.id)! })),
    agents: status.agents.map((a) => ({ ...a, stale: a.alive !== false && a.heartbeatAgeMs !== null && a.heartbeatAgeMs > staleMs })),
    throughput: status.throughput,
    work: status.work,
    costUsd: status.costUsd,
  };
}
