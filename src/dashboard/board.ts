import type { TaskState } from '../queue/layout.js';
import { placeTasks, type BoardEntry, type ColumnId } from '../status/columns.js';
import type { AgentRow, FinishedRow, Status } from '../status/types.js';

export { COLUMNS, PHASE_COLUMN, STAGE_COLUMN, type ColumnId } from '../status/columns.js';

/** One task on the board. `null`: not known or not applicable. */
export interface Card {
  id: string;
  title: string | null;
  agent: string | null;
  attempt: number | null;
  elapsedMs: number | null;
  costUsd: number | null;
  /** Why it failed, why its landing waits, or which stage it waits for. */
  reason: string | null;
  /** When it finished, or since when it waits to land. */
  at: string | null;
  phase: string | null;
  /** The pipeline stage it is in or waits for; null outside a pipeline. */
  stage: string | null;
  /** In the inbox waiting for the column's stage, not in hand. */
  waiting: boolean;
  /** A failed pipeline task handed to a person. */
  escalated: boolean;
  /** The pull request of a task done with `land: pr`. */
  url: string | null;
}

export interface Column {
  id: ColumnId;
  title: string;
  /** Tasks in the column, all of them; `cards` holds the first few. */
  count: number;
  cards: Card[];
}

/** An agent row with what the page marks: stale as status says (reclaimed, or silent for staleAfter), or a heartbeat older than `staleMs`. */
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
  /** The hosts of the agents, in their order: the page groups the agents under them when there are several. */
  hosts: Status['hosts'];
  throughput: Status['throughput'];
  work: Status['work'];
  costUsd: number;
}

/** Title of a task by id and the state folder it is in, when its file could be read. */
export type TitleOf = (id: string, state: TaskState) => string | null;

/**
 * The board from one status and the titles of its tasks. Pure. The columns and their counts are
 * placeTasks's, the ones board.md shows: a running task goes by its stage (or, outside a pipeline, by
 * its phase), a task waiting for a stage joins that stage's column, held tasks join Landing.
 */
export function boardView(status: Status, titleOf: TitleOf, staleMs: number): BoardView {
  return {
    generatedAt: status.generatedAt,
    active: status.active,
    counts: status.counts,
    columns: placeTasks(status).map((c) => ({ id: c.id, title: c.title, count: c.count, cards: c.entries.map((e) => card(e, titleOf)) })),
    agents: status.agents.map((a) => ({ ...a, stale: a.stale || (a.alive !== false && a.heartbeatAgeMs !== null && a.heartbeatAgeMs > staleMs) })),
    hosts: status.hosts,
    throughput: status.throughput,
    work: status.work,
    costUsd: status.costUsd,
  };
}

const BLANK = { agent: null, attempt: null, elapsedMs: null, costUsd: null, reason: null, at: null, phase: null, stage: null, waiting: false, escalated: false, url: null };

function card(e: BoardEntry, titleOf: TitleOf): Card {
  switch (e.kind) {
    case 'queued':
      return { ...BLANK, id: e.task, title: titleOf(e.task, 'inbox') };
    case 'waiting':
      return { ...BLANK, id: e.row.task, title: titleOf(e.row.task, 'inbox'), reason: `waiting for ${e.row.stage}`, at: e.row.since, stage: e.row.stage, waiting: true };
    case 'held': {
      const l = e.row;
      return { ...BLANK, id: l.task, title: titleOf(l.task, 'inbox'), agent: l.agent, attempt: l.attempt, reason: l.reason ?? 'held', at: l.since, phase: l.queue === undefined ? 'held' : 'ready' };
    }
    case 'running': {
      const r = e.row;
      const reason = r.owner === 'dead' ? 'its agent is gone; the monitor reclaims it' : r.owner === 'unclaimed' ? 'no live claim; the next worker repairs it' : null;
      return { ...BLANK, id: r.task, title: titleOf(r.task, 'running'), agent: r.agent, attempt: r.attempt, elapsedMs: r.elapsedMs, reason, at: r.startedAt, phase: r.phase, stage: r.stage };
    }
    case 'finished':
      return finished(e.row, titleOf);
  }
}

function finished(r: FinishedRow, titleOf: TitleOf): Card {
  return { ...BLANK, id: r.task, title: titleOf(r.task, 'running'), agent: r.agent, attempt: r.attempt, elapsedMs: r.durationMs, costUsd: r.costUsd, reason: r.reason, at: r.at, escalated: r.escalated, url: r.url };
}
