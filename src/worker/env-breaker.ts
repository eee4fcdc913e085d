import os from 'node:os';
import { revParse } from '../git/repo.js';
import { environmentFailure, type AttemptEnd, type EnvironmentFailure } from '../governance/env-failure.js';
import { recordEnvironmentFailure, recordWork } from '../governance/breaker-file.js';
import { breakerMessage } from '../governance/breaker.js';
import { errnoCode, PlError } from '../errors.js';
import type { Worker } from './loop.js';

/** The attempt's facts the breaker needs: who failed, and how. */
export interface BreakerInput {
  task: string;
  gen: number;
  attempt: number;
  end: Omit<AttemptEnd, 'noWork'>;
  /** Where the attempt worked, and the commit it started from. */
  worktree: string;
  startHead: string;
  leftoverCommit?: string;
}

/**
 * After an attempt: was it a failure of the agent's environment (then it is recorded in the breaker,
 * which may open), or did it do work (then earlier such failures no longer add up)? Returns the
 * failure, which the caller requeues without counting the attempt.
 */
export async function breakerStep(worker: Worker, input: BreakerInput): Promise<EnvironmentFailure | undefined> {
  const { layout, config } = worker;
  const host = os.hostname();
  const noWork = input.leftoverCommit === undefined && (await headOf(input.worktree)) === input.startHead;
  const failure = environmentFailure({ ...input.end, noWork });
  if (!failure) {
    await recordWork(layout.breaker, layout.sharedLocks, host);
    return undefined;
  }
  const opened = await recordEnvironmentFailure(layout.breaker, layout.sharedLocks, host, { ...failure, task: input.task, gen: input.gen, agent: config.agentId, at: new Date().toISOString() }, config.options.breakerFailures);
  if (opened) worker.emit({ type: 'breaker-open', task: input.task, gen: input.gen, attempt: input.attempt, kind: opened.kind, line: opened.line, tasks: opened.tasks, reason: breakerMessage(opened) });
  return failure;
}

/** An attempt got as far as landing: the environment works. */
export function noteWorked(worker: Worker): Promise<void> {
  return recordWork(worker.layout.breaker, worker.layout.sharedLocks, os.hostname());
}

/** The errno of an agent that could not be started, from runAttempt's error. */
export function spawnErrno(err: unknown): string | undefined {
  return err instanceof PlError && err.code === 'AGENT_SPAWN_FAILED' ? errnoCode(err.cause) : undefined;
}

async function headOf(worktree: string): Promise<string | undefined> {
  return revParse(worktree, 'HEAD').catch(() => undefined);
}
