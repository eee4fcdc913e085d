import type { AgentUsage } from '../agents/types.js';
import type { EnvironmentFailure } from '../governance/env-failure.js';
import type { Stage, Verdict } from './stages.js';

/**
 * The records of a task's lifecycle as they sit on disk (docs/PROTOCOL.md): leases, release records,
 * the agent process of an attempt, and heartbeats. Writers and readers (worker, monitor, status,
 * supervisor, commands) take their shapes from here.
 *
 * Records written from now on carry `version: 1`. Queues on disk predate the field, so readers take
 * a record without it as version 1 too.
 */
export const RECORD_VERSION = 1;

/** Who holds a claim: written to a lease file before the claim exists, so a claim is never ownerless. */
export interface Lease {
  version?: typeof RECORD_VERSION;
  taskId: string;
  gen: number;
  agentId: string;
  pid: number;
  /** Start time of `pid` from /proc (clock ticks since boot), to tell PID reuse apart. */
  pidStart?: string;
  host: string;
  bootId?: string;
  /** File name of the task in the inbox when it was claimed. */
  file: string;
  claimedAt: string;
}

/** The agent process an attempt started: pid, its start time, and the marker in its environment. */
export interface AgentProcess {
  pid: number;
  startTime?: string;
  runId?: string;
  host: string;
  startedAt: string;
  /** The commit the attempt started from: a reclaimer searches from it for a landing the owner made before it died. */
  base?: string;
}

/** Notes carried from earlier attempts into the next prompt. */
export interface RetryNote {
  attempt: number;
  kind: 'failed' | 'timeout' | 'verify-failed' | 'conflict' | 'reclaimed' | 'changes' | 'rejected' | 'test-failed';
  text: string;
  /** The stage that wrote the note (pipelines only). */
  stage?: Stage;
}

/** The entry a landing added to the changelog; `dropped`: the branch had changed the file, and that change was left out. */
export interface ChangelogNote {
  entry: string;
  dropped: boolean;
}

/** How a landing ended (merge/land.ts, or the `--land` mode that kept the branch). */
export type LandOutcome =
  | { status: 'landed'; commit: string; tries?: number; changelog?: ChangelogNote }
  | { status: 'already-landed'; commit?: string }
  | { status: 'nothing-to-land' }
  | { status: 'kept'; branch: string; mode: 'branch' | 'none' }
  /** `land: pr`: the branch pushed to the remote and its pull request; `opened`: false when it already existed. */
  | { status: 'pr'; url: string; branch: string; commit?: string; opened?: boolean }
  /** `stopped`: landing stopped on this host (refused credentials); the next run tries it first thing, without a wait. */
  | { status: 'held'; reason: string; stopped?: boolean }
  | { status: 'conflict'; files: string[]; details?: string }
  | { status: 'verify-failed'; output: string };

/** Why a generation was released. */
export type ReleaseOutcome = Release['outcome'];

/** What every release record holds, whatever its outcome. */
interface ReleaseBase {
  version?: typeof RECORD_VERSION;
  at: string;
  agentId?: string;
  /** True when an agent ran in this generation (counts as an attempt). */
  attempted?: boolean;
  reason?: string;
}

/** What an attempt left: its number, branch and base, its log and spending, how its agent ended. */
export interface AttemptFields {
  attempt?: number;
  branch?: string;
  /** The first attempt's base: later attempts search for landings from here. */
  base?: string;
  log?: string;
  usage?: AgentUsage;
  durationMs?: number;
  exitCode?: number;
  signal?: string;
  tail?: string[];
  /** What the next attempt's prompt is told about this one. */
  note?: RetryNote;
  /** Not claimed again before this time (back-off, or the wait before a held landing is tried again). */
  retryAfter?: string;
  /** The stage this generation ran (pipelines; `land` when it got to landing). */
  stage?: Stage;
  /** The stage the task's next claim runs; absent: the same stage as before (a requeue or reclaim). */
  nextStage?: Stage;
  /** What a review or test stage decided. */
  verdict?: Verdict;
  /** A pipeline task that failed a stage twice, was asked for changes twice, or was rejected: a person decides. */
  escalated?: boolean;
  /** On escalation: every stage's notes, oldest first. */
  notes?: RetryNote[];
  /**
   * Merge queue, remote target: the ref on the remote where the attempt's branch was pushed when the task
   * was made ready (`refs/parallel-loop/ready/<branch>`), so a lander of any host can fetch and land it.
   */
  shared?: string;
  /** Set by a reclaim: the stale generation it took over. */
  reclaimedGen?: number;
  /** Set by a reclaim whose settling failed: what went wrong. */
  error?: string;
}

/** The task is in done/. */
export interface DoneRelease extends ReleaseBase, AttemptFields {
  outcome: 'done';
  landing?: LandOutcome;
  /** Set by a reclaim: the owner had moved the file to done/ and died before releasing. */
  finishedBy?: 'owner';
}

/** The task is in failed/, with `<id>.error.json` beside it. */
export interface FailedRelease extends ReleaseBase, AttemptFields {
  outcome: 'failed';
  cancelled?: boolean;
  cancelRequest?: unknown;
  files?: string[];
  output?: string;
  environment?: EnvironmentFailure;
}

/** The attempt failed (or `parallel-loop retry` sent a failed task back); the task is in the inbox. */
export interface RetryRelease extends ReleaseBase, AttemptFields {
  outcome: 'retry';
  /** `target`: the next attempt starts from the target's tip, not this branch (after a conflict). */
  restart?: 'target';
  files?: string[];
  output?: string;
  /** Written by `parallel-loop retry`: attempts are counted again from here. */
  resetAttempts?: boolean;
  /** Where `retry` kept the failure record, in the task's claim folder. */
  errorRecord?: string;
}

/** A stage finished and the next one waits in the inbox for any worker. */
export interface AdvanceRelease extends ReleaseBase, AttemptFields {
  outcome: 'advance';
}

/** Stopped without counting (shutdown, kill, reclaim, rate limit, broken environment); the task is in the inbox. */
export interface RequeuedRelease extends ReleaseBase, AttemptFields {
  outcome: 'requeued';
  environment?: EnvironmentFailure;
}

/** Waiting to land (dirty target checkout, a landing that could not finish); the task is in the inbox. */
export interface HeldRelease extends ReleaseBase, AttemptFields {
  outcome: 'held';
}

/**
 * Finished its stages, waiting in the inbox for the lander (a merge queue, see worker/lander.ts): its
 * branch and base are in the record, and the next claim lands it, with others, without running an agent.
 */
export interface ReadyRelease extends ReleaseBase, AttemptFields {
  outcome: 'ready';
}

/** The file turned out invalid or a duplicate (it is in rejected/), or was gone when its owner went to move it. */
export interface GoneRelease extends ReleaseBase, AttemptFields {
  outcome: 'rejected' | 'vanished';
}

/** `claims/<id>/<gen>.released`: how a generation ended. */
export type Release = DoneRelease | FailedRelease | RetryRelease | AdvanceRelease | RequeuedRelease | HeldRelease | ReadyRelease | GoneRelease;

/** A release as its writer gives it: the time is stamped when it is written. */
export type ReleaseInput = Release extends infer R ? (R extends Release ? Omit<R, 'at' | 'version'> : never) : never;

/** The fields of a release record other than its outcome that any attempt records. */
export type AttemptRecord = Omit<ReleaseBase, 'at' | 'version'> & AttemptFields;

/** A release record from disk: the version an older writer left out is filled in. */
export function readRelease(raw: unknown): Release | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  return { version: RECORD_VERSION, ...(raw as Release) };
}

export type Phase = 'starting' | 'idle' | 'claiming' | 'worktree' | 'setup' | 'agent' | 'committing' | 'verifying' | 'landing' | 'stopping' | 'paused';

/** `agents/<agent>/heartbeat.json`: what one agent is doing, readable with `cat`. */
export interface AgentState {
  version?: typeof RECORD_VERSION;
  agentId: string;
  pid: number;
  pidStart?: string;
  host: string;
  bootId?: string;
  supervisorPid?: number;
  phase: Phase;
  /** Counts up on every heartbeat: the monitor watches it change on its own clock. */
  beat: number;
  updatedAt: string;
  startedAt: string;
  task?: string;
  gen?: number;
  attempt?: number;
  /** The stage of the task in hand (implement, review, test, land). */
  stage?: Stage;
  taskStartedAt?: string;
  worktree?: string;
  branch?: string;
  log?: string;
  agentPid?: number;
  agentPidStart?: string;
  /** Marker in the agent's environment (PARALLEL_LOOP_RUN_ID) to find processes that left its group. */
  agentRunId?: string;
  lastEvent?: string;
  lastEventAt?: string;
  usage?: AgentUsage;
  cpu?: number;
  memory?: number;
  note?: string;
}

/**
 * `agents/<agent>/worktree.json`: what an agent slot's warm worktree (`worktrees: warm`) was last given.
 * Written before the worktree is switched to a new attempt, so it always names the attempt that may hold
 * it; the branch checked out there (git's own record) says whether that attempt got it.
 */
export interface SlotWorktreeRecord {
  version: typeof RECORD_VERSION;
  agentId: string;
  /** The worktree's folder. */
  path: string;
  /** The attempt it was last given: task, generation, branch, and the task's title and attempt number (for a WIP commit of what it left). */
  task: string;
  gen: number;
  branch: string;
  title: string;
  attempt: number;
  /** Untracked files copied in for that attempt (`copy`, `.worktreeinclude`): never committed. */
  copied: string[];
  createdAt: string;
  /**
   * The last `setup` that succeeded here since the worktree was made: the hash of the command and of the
   * `setupWhen` files it ran on, and the kept folders that existed after it. Absent: none has (or one failed).
   */
  setup?: { hash: string; at: string; durationMs: number; kept: string[] };
}
