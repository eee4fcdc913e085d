/** Pure decisions of the worker: what follows an agent's exit, and when a retry may start. */

export interface AgentExit {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  aborted: boolean;
  /** Aborted because `parallel-loop cancel` asked for it (not a kill or shutdown). */
  cancelled?: boolean;
}

export type AfterAgent =
  | { action: 'land' }
  | { action: 'requeue'; reason: string }
  | { action: 'cancel'; reason: string }
  | { action: 'retry'; kind: 'failed' | 'timeout'; reason: string }
  | { action: 'fail'; kind: 'failed' | 'timeout'; reason: string };

/** Describe how an agent ended, for people: `exit code 3`, `killed by SIGKILL`, `timed out after 30s`. */
export function describeExit(exit: AgentExit, timeoutSec: number): string {
  if (exit.timedOut) return `timed out after ${timeoutSec}s (process tree killed)`;
  if (exit.aborted) return 'stopped by parallel-loop';
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.exitCode}`;
}

export function afterAgent(exit: AgentExit, attempt: number, maxAttempts: number, timeoutSec: number): AfterAgent {
  if (exit.aborted && exit.cancelled) return { action: 'cancel', reason: 'cancelled by `parallel-loop cancel`' };
  if (exit.aborted) return { action: 'requeue', reason: 'stopped by parallel-loop (kill or second signal)' };
  if (!exit.timedOut && exit.exitCode === 0 && !exit.signal) return { action: 'land' };
  const kind = exit.timedOut ? 'timeout' : 'failed';
  const reason = describeExit(exit, timeoutSec);
  return attempt < maxAttempts ? { action: 'retry', kind, reason } : { action: 'fail', kind, reason: `${reason}; ${attempt} of ${maxAttempts} attempts used` };
}

/** Retry back-off: base, doubling per attempt, capped at 5 minutes. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 5 * 60_000);
}

/** Port block of an agent slot, so parallel dev servers do not collide. */
export function portRange(slot: number, base: number, block: number): { first: number; count: number } {
  return { first: base + (slot - 1) * block, count: block };
}
