import type { Stage } from '../lifecycle/stages.js';
import type { FinishedRow, LandingRow, RunningRow, Status, WaitingRow } from './types.js';

/**
 * The board's columns, left to right, for board.md and the dashboard alike. Data, not layout: the
 * page draws whatever columns it is sent.
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

/** The column of a pipeline task by the stage it is in or waits for. */
export const STAGE_COLUMN: Readonly<Record<Stage, ColumnId>> = { implement: 'implementing', review: 'review', test: 'testing', land: 'landing' };

/** The column of a task outside a pipeline by its agent's phase; any other phase is Implementing. */
export const PHASE_COLUMN: Readonly<Record<string, ColumnId>> = { verifying: 'landing', landing: 'landing' };

/** The `stages` count a column adds to. */
export const COLUMN_STAGE = { implementing: 'implement', review: 'review', testing: 'test', landing: 'landing' } as const;

/**
 * Where a task in hand goes. A pipeline task goes by its stage (its test stage also runs a command,
 * in phase `verifying`, and is still Testing); any other by its agent's phase.
 */
export function columnOf(stage: string | null, phase: string | null): ColumnId {
  return (stage !== null && STAGE_COLUMN[stage as Stage]) || PHASE_COLUMN[phase ?? ''] || 'implementing';
}

/** One task on the board, as the status knows it. */
export type BoardEntry =
  | { kind: 'queued'; task: string }
  | { kind: 'running'; row: RunningRow }
  | { kind: 'waiting'; row: WaitingRow }
  | { kind: 'held'; row: LandingRow }
  | { kind: 'finished'; row: FinishedRow };

export interface PlacedColumn {
  id: ColumnId;
  title: string;
  /** Tasks in the column, all of them; `entries` holds those the status lists. */
  count: number;
  entries: BoardEntry[];
}

/**
 * The status as columns. Pure. Queued is `queued.total` without the tasks waiting for a later stage;
 * Implementing to Testing hold the tasks in hand at that stage and those waiting for it; Landing the
 * tasks landing and the held ones; Done and Failed count their folders and list the most recent.
 */
export function placeTasks(status: Status): PlacedColumn[] {
  const entries = new Map<ColumnId, BoardEntry[]>(COLUMNS.map((c) => [c.id, []]));
  const waitingIds = new Set(status.waiting.map((w) => w.task));
  for (const task of status.queued.next) if (!waitingIds.has(task)) entries.get('queued')!.push({ kind: 'queued', task });
  for (const row of status.running) entries.get(columnOf(row.stage, row.phase))!.push({ kind: 'running', row });
  for (const row of status.waiting) entries.get(STAGE_COLUMN[row.stage])!.push({ kind: 'waiting', row });
  for (const row of status.landing) entries.get('landing')!.push({ kind: 'held', row });
  for (const row of status.recent.done) entries.get('done')!.push({ kind: 'finished', row });
  for (const row of status.recent.failed) entries.get('failed')!.push({ kind: 'finished', row });
  const count = (id: ColumnId): number => {
    if (id === 'queued') return Math.max(0, status.queued.total - status.waiting.length);
    if (id === 'done') return status.counts.done;
    if (id === 'failed') return status.counts.failed;
    return entries.get(id)!.length;
  };
  return COLUMNS.map((c) => ({ id: c.id, title: c.title, count: count(c.id), entries: entries.get(c.id)! }));
}

/** Tasks per stage, in hand and waiting: the `stages` of the status, counted by the board's own columns. */
export function stageCounts(running: RunningRow[], waiting: WaitingRow[], held: number): Status['stages'] {
  const stages = { implement: 0, review: 0, test: 0, landing: held };
  for (const r of running) stages[COLUMN_STAGE[columnOf(r.stage, r.phase) as keyof typeof COLUMN_STAGE]]++;
  for (const w of waiting) stages[COLUMN_STAGE[STAGE_COLUMN[w.stage] as keyof typeof COLUMN_STAGE]]++;
  return stages;
}
