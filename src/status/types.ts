import type { AgentState, Lease, Release } from '../lifecycle/records.js';
import type { Stage } from '../lifecycle/stages.js';
import type { TaskState } from '../queue/layout.js';
import type { EventDigest, FinishedRef, HeldRef } from './digest.js';

/** One agent as read from `agents/<id>/heartbeat.json`, with what this host could measure of it. */
export interface AgentSnapshot {
  heartbeat: AgentState;
  /** CPU percent (100 = one core) of the agent's process tree, when measured here. */
  cpu?: number;
  /** Resident memory in bytes of the agent's process tree, when measured here. */
  memory?: number;
  /**
   * The generation its heartbeat names was taken over: a later one exists and this one was never
   * released. A finished generation is released before anyone may claim the next, so only a reclaim
   * (a monitor that judged this agent stale) leaves one so. Read from the claims, on no clock.
   */
  reclaimed?: boolean;
}

/** A task file in running/ and the claim that holds it. */
export interface RunningSnapshot {
  task: string;
  file: string;
  /** The live generation; undefined when no live claim holds the file (a crash the monitor repairs). */
  gen?: number;
  lease?: Lease;
  /** The stage its claim history says the live claim runs, read only when no heartbeat holds the task. */
  stage?: Stage;
}

/** A pipeline task in the inbox between stages: its last release sent it on (or back) to `stage`. */
export interface WaitingSnapshot {
  task: string;
  stage: Stage;
  /** When that release was written. */
  since: string;
}

/** A finished task from the event log, with its release record when it could be read. */
export interface FinishedSnapshot extends FinishedRef {
  release?: Release;
}

/** Everything one status pass read from the filesystem. Plain data: `aggregate` decides the rest. */
export interface StatusSnapshot {
  repo: string;
  queue: string;
  state: string;
  /** Task files per state folder. */
  counts: Record<TaskState, number>;
  /** Ids of the task files waiting in the inbox, in name order, without held ones; at most `queuedLimit`. */
  queued: string[];
  agents: AgentSnapshot[];
  running: RunningSnapshot[];
  /** Tasks whose landing was held and that still wait in the inbox. */
  held: HeldRef[];
  /** Pipeline tasks waiting in the inbox for their next stage (never held ones). */
  waiting: WaitingSnapshot[];
  /** Newest first. */
  recentDone: FinishedSnapshot[];
  recentFailed: FinishedSnapshot[];
  /**
   * Is this process running? By agent id for heartbeats, by `lease:<task>` for claim owners.
   * Missing: cannot tell from here (another host).
   */
  liveness: Record<string, boolean>;
  digest: EventDigest;
}

/** One row per agent. `null` means unknown or not applicable; every key is always present. */
export interface AgentRow {
  id: string;
  pid: number | null;
  host: string;
  /** The agent's worker process runs (null: another host, cannot tell). */
  alive: boolean | null;
  /**
   * Not gone as far as this host can tell, yet not working: the claim its heartbeat names was reclaimed,
   * or its heartbeat is `staleAfterMs` old by its own time stamp. How a dead host's agents show.
   */
  stale: boolean;
  phase: string;
  task: string | null;
  gen: number | null;
  attempt: number | null;
  /** Time on the current task. */
  elapsedMs: number | null;
  /** Time since the heartbeat was written, by its own `updatedAt` (display only). */
  heartbeatAgeMs: number | null;
  lastEvent: string | null;
  lastEventAt: string | null;
  /** What the agent says about itself beyond its phase (e.g. why it is paused). */
  note: string | null;
  cpu: number | null;
  memoryBytes: number | null;
  /** Spent by this agent: finished attempts plus the one running. */
  costUsd: number;
  done: number;
  failed: number;
}

/** The agents of one host (the `host` of their heartbeats), in the order `agents` lists them. */
export interface HostRow {
  host: string;
  agents: number;
  alive: number;
  stale: number;
}

/** A task in running/. `owner`: is the process that holds its claim alive? */
export interface RunningRow {
  task: string;
  gen: number | null;
  agent: string | null;
  attempt: number | null;
  phase: string | null;
  /** The pipeline stage it is in: from its agent's heartbeat, else its claim history; null outside a pipeline. */
  stage: Stage | null;
  startedAt: string | null;
  elapsedMs: number | null;
  owner: 'alive' | 'dead' | 'unknown' | 'unclaimed';
}

/** A task whose landing was held; it waits in the inbox until the target checkout is clean. */
export interface LandingRow {
  task: string;
  agent: string | null;
  attempt: number | null;
  since: string;
  reason: string | null;
  /** Its place in the landing queue (1: next to land), for a task ready to land; absent for a held one. */
  queue?: number;
}

/** A pipeline task in the inbox waiting for `stage` (sent on by `advance`, or back by `changes` or a retry). */
export interface WaitingRow {
  task: string;
  stage: Stage;
  since: string;
}

/** A finished task: from the event log, completed by its release record. */
export interface FinishedRow {
  task: string;
  outcome: 'done' | 'failed';
  at: string;
  agent: string | null;
  attempt: number | null;
  durationMs: number | null;
  costUsd: number | null;
  /** How a done task ended: landed, already-landed, kept, nothing-to-land, pr. */
  landing: string | null;
  commit: string | null;
  branch: string | null;
  /** The pull request of a task done with `land: pr`. */
  url: string | null;
  reason: string | null;
  /** A failed pipeline task handed to a person (its `.error.json` has `escalated: true`). */
  escalated: boolean;
}

/** `parallel-loop status --json` and `.parallel-loop/status.json`: documented in docs/STATUS.md. */
export interface Status {
  version: 1;
  generatedAt: string;
  repo: string;
  queue: string;
  state: string;
  /** Some agent process is alive: a run is going on. */
  active: boolean;
  counts: Record<TaskState | 'landing', number>;
  /** Grouped by host (hosts in name order), then by id. */
  agents: AgentRow[];
  /** One row per host that has agents here: several hosts may share the queue and state folder. */
  hosts: HostRow[];
  running: RunningRow[];
  landing: LandingRow[];
  /** Pipeline tasks in the inbox waiting for their next stage; they are also in `queued`. */
  waiting: WaitingRow[];
  /** Tasks per stage, in hand plus waiting for it; `landing` also counts the held tasks. */
  stages: { implement: number; review: number; test: number; landing: number };
  queued: { total: number; next: string[] };
  recent: { done: FinishedRow[]; failed: FinishedRow[] };
  throughput: { windowMs: number; donePerHour: number; doneLastHour: number; failedLastHour: number; inboxEtaMs: number | null };
  work: { since: string | null; wallMs: number; busyMs: number; speedup: number | null; attempts: number };
  costUsd: number;
}
