import type { RunOptions } from '../config/options.js';
import type { PlEvent } from '../lifecycle/events.js';

/** Everything a forked worker needs to start: sent as the first message. */
export interface WorkerStart {
  type: 'start';
  repo: string;
  queue?: string;
  state?: string;
  worktrees?: string;
  agentId: string;
  slot: number;
  supervisorId: string;
  options: RunOptions;
  allowSharedQueue: boolean;
}

/** Supervisor → worker. `stop`: finish the current task, then exit. `kill`: stop the agent now, requeue, exit. */
export type ToWorker = WorkerStart | { type: 'stop' } | { type: 'kill' };

/** Worker → supervisor: every event it records, so the supervisor can show live progress. */
export type FromWorker =
  | { type: 'event'; event: PlEvent }
  | { type: 'idle-exit'; failed: number; done: number }
  /** Stopped by SIGTERM (`parallel-loop kill`): this agent only, so the supervisor starts a fresh worker. */
  | { type: 'killed' };
