import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Task } from '../task/types.js';
import type { RunOptions } from '../config/options.js';
import type { AgentEvent, AgentUsage } from '../agents/types.js';
import { getAdapter } from '../agents/registry.js';
import { runAgentProcess } from '../agents/run-process.js';
import { sumUsage } from '../agents/usage.js';
import { addAttemptWorktree, prepareWorktree } from '../git/worktree.js';
import { agentCommitMessage, commitLeftovers } from '../git/commit.js';
import { attemptBranch, attemptWorktree, type Layout } from '../queue/layout.js';
import type { AgentStateWriter } from './agent-state.js';
import type { Claims } from '../queue/claims.js';
import { buildPrompt } from './prompt.js';
import { rolePrompt } from '../lifecycle/roles.js';
import type { RetryNote } from '../lifecycle/records.js';
import { afterAgent, type AfterAgent } from '../lifecycle/agent-exit.js';
import type { TaskPolicy } from '../lifecycle/policy.js';
import { isCancelAbort } from '../queue/cancel.js';
import { AttemptGuard } from '../governance/attempt-guard.js';
import { PlError } from '../errors.js';

export interface AttemptInput {
  layout: Layout;
  options: RunOptions;
  /** The task's policy, resolved once for its claim. */
  policy: TaskPolicy;
  agentId: string;
  slot: number;
  task: Task;
  gen: number;
  attempt: number;
  /** Commit the attempt starts from: the target tip, or the previous attempt's branch. */
  base: string;
  notes: RetryNote[];
  /** The try the exit is judged as (a pipeline counts each stage's failures); default `attempt`. */
  tries?: number;
  /** Environment of the stage (PL_STAGE, PL_ROLE, PL_VERDICT_FILE, PL_FEEDBACK_FILE). */
  stageEnv?: Record<string, string>;
  /** Run in the worktree once it is set up, before the agent starts (the test stage merges the target here). */
  beforeAgent?: (worktree: string) => Promise<void>;
  state: AgentStateWriter;
  claims: Claims;
  /** Aborted on `kill`: the agent's process tree is stopped and the task requeued. */
  signal: AbortSignal;
  /** Fault injection for tests (PL_FAULT): called at protocol steps. */
  fault: (step: string) => void;
  /** Told the agent's pid once its process runs (the worker records an `agent-started` event). */
  onAgentStarted?: (pid: number) => void;
}

export interface AttemptResult {
  next: AfterAgent;
  worktree: string;
  branch: string;
  log: string;
  usage: AgentUsage;
  durationMs: number;
  /** How the agent process ended: its exit code, or the signal that ended it. */
  exitCode?: number;
  signal?: string;
  tail: string[];
  /** Commit made of changes the agent left uncommitted, if any. */
  leftoverCommit?: string;
  events: AgentEvent[];
}

/** Run one attempt: worktree, set-up, agent, then commit what it left. Decides nothing about landing. */
export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { layout, options, policy, task, gen, state } = input;
  const inPlace = options.inPlace;
  const worktree = inPlace ? layout.repo : attemptWorktree(layout, task.id, gen);
  const branch = inPlace ? '' : attemptBranch(task.id, gen);
  const log = path.join(state.dir, 'logs', `${task.id}.${gen}.log`);
  const ports = portRange(input.slot, options.portBase, options.portBlock);
  const env: Record<string, string> = {
    PL_TASK_ID: task.id,
    PL_AGENT_ID: input.agentId,
    PL_ATTEMPT: String(input.attempt),
    PL_GEN: String(gen),
    PL_WORKTREE: worktree,
    PL_PORT_BASE: String(ports.first),
    PL_PORT_COUNT: String(ports.count),
    PORT: String(ports.first),
    ...input.stageEnv,
    ...task.env,
  };

  let copied: string[] = [];
  if (!inPlace) {
    state.set({ phase: 'worktree', worktree, branch, log });
    await addAttemptWorktree({ repo: layout.repo, layout, taskId: task.id, gen, base: input.base });
    input.fault('worktree-created');
    state.set({ phase: 'setup' });
    // The queue and state folders are never copied: `--copy '*.json'` would otherwise bring tasks and claims along.
    const prepared = await prepareWorktree({ worktree, repo: layout.repo, copy: options.copy, setup: options.setup, env, killGraceMs: options.killGraceMs, skip: [layout.queue, layout.state] });
    // Copied files (.env and the like) are the user's local set-up, not the task's work: never committed.
    copied = [...prepared.copied, ...prepared.existing];
    await input.beforeAgent?.(worktree);
  }

  const tries = input.tries ?? input.attempt;
  const prompt = buildPrompt(stageTask(task, policy), input.notes, { attempt: tries, maxAttempts: policy.maxAttempts, changelog: options.changelog });
  const promptFile = path.join(state.dir, 'prompts', `${task.id}.${gen}.md`);
  fs.mkdirSync(path.dirname(promptFile), { recursive: true });
  fs.writeFileSync(promptFile, prompt);

  const adapter = getAdapter(policy.agent);
  const invocation = adapter.invocation(
    { task, worktree, promptFile, prompt, agentId: input.agentId, attempt: input.attempt, gen },
    policy.agentSettings ?? options.agentSettings[adapter.name] ?? {},
  );
  const events: AgentEvent[] = [];
  const guard = new AttemptGuard({ layout, options, agentId: input.agentId, task, maxAttempts: policy.maxAttempts, gen, attempt: tries, adapter: adapter.name, state });
  // Fencing: a worker paused (SIGSTOP, a frozen VM) before this point may wake after its task was
  // reclaimed; starting the agent then would only run a second, discarded attempt.
  if (input.claims.isSuperseded(task.id, gen)) throw new PlError('SUPERSEDED', `task ${task.id} was claimed again (generation ${gen} superseded) before its agent started`);
  state.set({ phase: 'agent', lastEvent: `started ${adapter.name}` });
  const run = await runAgentProcess({
    invocation,
    cwd: worktree,
    env: { ...env, ...invocation.env },
    logFile: log,
    timeoutMs: policy.timeoutSec * 1000,
    killGraceMs: options.killGraceMs,
    signal: input.signal,
    onSpawn: (pid, info) => {
      // Recorded so a reclaimer on this host can kill exactly this tree, even after pid reuse
      // and after this worker died (the agent runs in its own process group and outlives it).
      input.claims.recordProcess(task.id, gen, { pid, startTime: info.startTime, runId: info.runId, host: os.hostname(), startedAt: new Date().toISOString(), base: input.base });
      state.set({ agentPid: pid, agentPidStart: info.startTime, agentRunId: info.runId });
      guard.watch(pid, info);
      input.onAgentStarted?.(pid);
      input.fault('agent-running');
    },
    onLine: (line) => {
      for (const event of adapter.parseLine(line)) {
        events.push(event);
        guard.onEvent(event);
        state.set({ lastEvent: event.summary.slice(0, 200), lastEventAt: new Date().toISOString(), usage: sumUsage(events) });
      }
    },
  });
  const exited = afterAgent(
    { exitCode: run.exitCode ?? undefined, signal: run.signal ?? undefined, timedOut: run.timedOut, aborted: run.aborted, cancelled: isCancelAbort(input.signal) },
    tries,
    policy,
  );
  const next = guard.finish(exited, sumUsage(events), run.durationMs);

  state.set({ phase: 'committing', agentPid: undefined, agentPidStart: undefined, agentRunId: undefined });
  const wip = next.action !== 'land';
  const leftoverCommit = await commitLeftovers(
    worktree,
    agentCommitMessage({ taskId: task.id, title: task.title, attempt: input.attempt, kind: wip ? 'wip' : 'leftover' }),
    { exclude: inPlace ? ownFolders(layout) : copied, identityFrom: layout.repo },
  );
  if (leftoverCommit) input.fault('commit-made');
  const exit = { exitCode: run.exitCode ?? undefined, signal: run.signal ?? undefined };
  return { next, worktree, branch, log, usage: sumUsage(events), durationMs: run.durationMs, ...exit, tail: run.tailLines, leftoverCommit, events };
}

/** The task as a pipeline stage's agent sees it: its prompt put in the role's template. */
function stageTask(task: Task, policy: TaskPolicy): Task {
  if (!policy.pipeline || !policy.prompt) return task;
  const values = { task: task.prompt.trim(), id: task.id, title: task.title, stage: policy.stage, target: policy.target, test: policy.test ?? '(none)' };
  return { ...task, prompt: rolePrompt(policy.prompt, values) };
}

// In place, the checkout also holds the queue and the state folder: moving task files and writing
// claims and logs are not the task's work and must stay out of its commit.
function ownFolders(layout: Layout): string[] {
  return [layout.queue, layout.state].map((dir) => path.relative(layout.repo, dir)).filter((rel) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Port block of an agent slot, so parallel dev servers do not collide. */
function portRange(slot: number, base: number, block: number): { first: number; count: number } {
  return { first: base + (slot - 1) * block, count: block };
}
