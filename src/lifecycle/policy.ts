import type { RunOptions } from '../config/options.js';
import type { Task } from '../task/types.js';
import type { AgentSettings } from '../agents/types.js';
import { ROLE_PROMPTS } from './roles.js';
import { DEFAULT_STAGES, isPipeline, type AgentStage, type Stage } from './stages.js';

/**
 * What governs one task's attempts, resolved once per claim from the task's own fields and the run's
 * options: a task's `maxAttempts`, `timeout`, `verify` and `agent` win over the run's.
 */
export interface TaskPolicy {
  /** Attempts before the task fails. */
  maxAttempts: number;
  /** Time limit of one attempt's agent (and of its verify command), in seconds. */
  timeoutSec: number;
  /** Branch the task lands on (on the run's `remote`, when it has one). */
  target: string;
  /** The target as the run named it (`origin/main` for a remote's branch), undefined when it named none (event records keep it that way). */
  namedTarget?: string;
  /** Command that must pass on the merged result before landing. */
  verify?: string;
  /** Adapter that runs the task. */
  agent: string;
  /** Base of the retry back-off (doubling per attempt, capped at 5 minutes). */
  retryBackoffMs: number;
  /** The task's own spending limit. */
  budgetUsd?: number;
  /** The task's agent stages; `land` follows the last. */
  stages: readonly AgentStage[];
  /** The stage this policy is for. */
  stage: Stage;
  /** More than today's one implement stage: a stage's failures escalate. */
  pipeline: boolean;
  /** The stage's prompt template (rolePrompt in roles.ts). */
  prompt?: string;
  /** The test stage's command. */
  test?: string;
  /** The adapter's settings with the role's model and arguments over them; absent: the run's own. */
  agentSettings?: AgentSettings;
}

type PolicyTask = Pick<Task, 'maxAttempts' | 'timeout' | 'verify' | 'agent' | 'budgetUsd' | 'stages' | 'test'>;
type PolicyOptions = Pick<RunOptions, 'maxAttempts' | 'timeoutSec' | 'target' | 'verify' | 'agent' | 'retryBackoffMs'> &
  Partial<Pick<RunOptions, 'stages' | 'roles' | 'test' | 'agentSettings' | 'remote' | 'stageTimeoutSec'>>;

/**
 * Whether finished tasks go to the landing queue, where the lander verifies them in batches (worker/lander.ts),
 * rather than each worker landing its own: when landings run a verify command and `batchSize` allows more than one.
 */
export function landsInBatches(options: Pick<RunOptions, 'land' | 'inPlace' | 'batchSize'>, policy: Pick<TaskPolicy, 'verify'>): boolean {
  return options.land === 'merge' && !options.inPlace && options.batchSize > 1 && policy.verify !== undefined;
}

/**
 * Whether a finished attempt's landing runs behind its worker's next task: a plain merge with no verify
 * needs nothing of the attempt's worktree (the merge is computed without a checkout), so the worker
 * claims and starts its next task while it lands. A verified landing runs in the worktree (or the merge
 * queue's lander) and lands before the next claim.
 */
export function landsBehind(options: Pick<RunOptions, 'land' | 'inPlace'>, policy: Pick<TaskPolicy, 'verify'>): boolean {
  return options.land === 'merge' && !options.inPlace && policy.verify === undefined;
}

/** Time limit of a pipeline stage whose role, task and run (`stageTimeoutSec`, `timeoutSec`) name none: 15 minutes. */
export const STAGE_TIMEOUT_SEC = 15 * 60;
/** Failures of a pipeline stage before the task is escalated: retry once in place. */
export const STAGE_ATTEMPTS = 2;

/**
 * How many tries the task has for a stage (its only one, when it has no pipeline): the stage's role
 * `attempts`, else the task's `maxAttempts`, else two for a pipeline stage and the run's `maxAttempts` for
 * a task of one implement stage. Pure.
 */
export function attemptsOf(task: Partial<Pick<Task, 'maxAttempts' | 'stages'>>, options: Pick<RunOptions, 'maxAttempts'> & Partial<Pick<RunOptions, 'stages' | 'roles'>>, stage: Stage): number {
  const pipeline = isPipeline(task.stages ?? options.stages ?? DEFAULT_STAGES);
  const role = stage === 'land' ? {} : (options.roles?.[stage] ?? {});
  return role.attempts ?? (pipeline ? (task.maxAttempts ?? STAGE_ATTEMPTS) : (task.maxAttempts ?? options.maxAttempts));
}

/**
 * The policy of one task under a run's options, for one stage of its pipeline (default its first).
 * Pure. A stage's role settings win over the task's, which win over the run's. A task of today's one
 * implement stage keeps the run's timeout and attempts; a stage of a pipeline defaults to 15 minutes
 * and two tries.
 */
export function resolvePolicy(task: Partial<PolicyTask>, options: PolicyOptions, stage?: Stage): TaskPolicy {
  const stages = task.stages ?? options.stages ?? DEFAULT_STAGES;
  const pipeline = isPipeline(stages);
  const current = stage ?? stages[0]!;
  const role = current === 'land' ? {} : (options.roles?.[current] ?? {});
  const agent = role.adapter ?? task.agent ?? options.agent;
  const own = options.agentSettings?.[agent];
  const roleSettings = { ...(role.model ? { model: role.model } : {}), ...(role.extraArgs ? { extraArgs: [...(own?.extraArgs ?? []), ...role.extraArgs] } : {}) };
  return {
    maxAttempts: attemptsOf(task, options, current),
    timeoutSec: role.timeout ?? task.timeout ?? (pipeline ? (options.stageTimeoutSec ?? STAGE_TIMEOUT_SEC) : options.timeoutSec),
    target: options.target ?? 'main',
    namedTarget: options.remote && options.target ? `${options.remote}/${options.target}` : options.target,
    verify: task.verify ?? options.verify,
    agent,
    retryBackoffMs: options.retryBackoffMs,
    budgetUsd: task.budgetUsd,
    stages,
    stage: current,
    pipeline,
    ...(current !== 'land' ? { prompt: role.prompt ?? ROLE_PROMPTS[current] } : {}),
    test: task.test ?? options.test,
    ...(Object.keys(roleSettings).length > 0 ? { agentSettings: { ...own, ...roleSettings } } : {}),
  };
}
