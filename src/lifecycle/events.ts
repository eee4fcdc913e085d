import type { AgentUsage } from '../agents/types.js';
import type { ChangelogNote, LandOutcome } from './records.js';
import type { Stage } from './stages.js';

/**
 * The lines of `.parallel-loop/events.jsonl`, one type per kind of event with the fields it carries.
 * Writers (worker, monitor, supervisor, commands) and readers (status, the run summary, `plan`)
 * share these shapes.
 */
interface EventFields {
  'agent-spawned': { pid?: number };
  'agent-exited': { pid?: number; code?: number | null; signal?: string | null; reason?: string };
  'agent-errored': { reason: string };
  claimed: { file: string };
  'attempt-started': { base: string; stage?: Stage };
  /**
   * The attempt's worktree is ready for its agent. `warm`: an agent slot's worktree, switched to this attempt
   * (`created` when it was made now); `setup`: whether the setup command ran (`why`, `setupMs`), was skipped
   * as the worktree was set up for these files already, or there is none. `kept`: dependency folders kept;
   * `setAside`: why the slot's old worktree was moved out of the way.
   */
  'worktree-ready': { worktree: string; warm: boolean; created: boolean; setup: 'ran' | 'skipped' | 'none'; setupMs?: number; why?: string; kept?: string[]; setAside?: string };
  /** The attempt's agent process is running (its pid); with `attempt-finished`'s durationMs this dates its exit too. */
  'agent-started': { pid: number };
  'attempt-finished': { next: string; durationMs: number; usage: AgentUsage; stage?: Stage };
  /** A pipeline stage finished; the task waits in the inbox for `nextStage`. */
  advanced: { stage: Stage; nextStage: Stage };
  /** A pipeline task failed a stage twice, was asked for changes twice, or was rejected. */
  escalated: { stage: Stage; reason: string };
  'heartbeat-missed': { owner: string; reason: string };
  reclaimed: { from: string; fromGen: number; reason: string };
  /** `changelog`: the entry the landing added (see the `changelog` option). */
  landed: { commit: string; target?: string; changelog?: ChangelogNote };
  'already-landed': { landing?: LandOutcome | { status: 'already-landed'; commit: string }; reason?: string; finishedBy?: 'owner'; error?: string };
  /** `land: pr`: the task's pull request, `opened` now or found open already. */
  'pr-opened': { url: string; branch: string; opened: boolean };
  conflict: { files: string[] };
  held: { reason: string };
  /** The task finished its stages and waits in the landing queue. */
  ready: { branch: string };
  /** A lander landed a batch (`landed`), found a failing task by bisecting (`failed`), or took tasks out on conflicts. */
  batch: { target?: string; tasks: string[]; landed: string[]; failed: string[]; conflicts: string[]; flaky: string[]; verifyRuns: number; durationMs: number };
  /** The same merged tree failed verify once and passed once: the task landed, and the check is not to be trusted. */
  'verify-flaky': { output: string };
  'verify-failed': Record<never, never>;
  retry: { reason: string };
  done: { landing?: LandOutcome; reason?: string; finishedBy?: 'owner'; error?: string };
  failed: { reason: string; cancelled?: boolean; escalated?: boolean; error?: string };
  rejected: { reason?: string; file?: string; problems?: unknown[] };
  requeued: { reason: string; error?: string };
  repaired: { what: string };
  /** `cause`: budget, breaker, rate-limit, preflight or load (see governance/claim-gate.ts). */
  paused: { reason: string; until?: string; stop?: boolean; cause?: 'budget' | 'breaker' | 'remote' | 'rate-limit' | 'preflight' | 'load' };
  resumed: Record<never, never>;
  'breaker-open': { kind: string; line: string; tasks?: string[]; reason: string };
  drained: { done: number; failed: number; reason: string };
  'notify-failed': { hook: string; kind: string; reason: string };
}

export type EventType = keyof EventFields;

/** What every event holds. */
interface EventBase {
  time: string;
  agent?: string;
  task?: string;
  attempt?: number;
  gen?: number;
}

type EventOf<K extends EventType> = EventBase & { type: K } & EventFields[K];

/** One line of `.parallel-loop/events.jsonl`. */
export type PlEvent = { [K in EventType]: EventOf<K> }[EventType];

/** An event as its writer gives it: the time is stamped when it is appended. */
export type PlEventInput = { [K in EventType]: Omit<EventOf<K>, 'time'> }[EventType];

/** An event as a worker or monitor gives it: its agent is filled in by the writer. */
export type AgentEventInput = { [K in EventType]: Omit<EventOf<K>, 'time' | 'agent'> }[EventType];
