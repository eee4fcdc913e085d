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
import { attemptBranch, attemptWorktree, slotWorktree, type Layout } from '../queue/layout.js';
import { commitInSlot, noteSlotCopied, noteSlotSetUp, takeSlotWorktree, type SlotAttempt, type SlotTaken } from './warm-worktree.js';
import type { AgentEventInput } from '../lifecycle/events.js';
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
  /** Records an event (the worktree's set-up, before the agent starts). */
  emit: (event: AgentEventInput) => void;
  /** The last attempt the worker finished and committed in its slot's worktree (see Worker.finishedInSlot). */
  finishedInSlot?: { task: string; gen: number };
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
  const warm = !inPlace && options.worktrees === 'warm';
  const worktree = attemptFolder(layout, options, input.agentId, task.id, gen);
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
  const slot: SlotAttempt | undefined = warm
    ? { repo: layout.repo, layout, claims: input.claims, agentId: input.agentId, taskId: task.id, title: task.title, gen, attempt: input.attempt, base: input.base, keep: options.keep, setup: options.setup, setupWhen: options.setupWhen, killGraceMs: options.killGraceMs, finished: input.finishedInSlot }
    : undefined;
  if (!inPlace) {
    state.set({ phase: 'worktree', worktree, branch, log });
    const taken = slot ? await takeSlotWorktree(slot) : undefined;
    if (!slot) await addAttemptWorktree({ repo: layout.repo, layout, taskId: task.id, gen, base: input.base });
    input.fault('worktree-created');
    // A warm worktree runs `setup` only when it is new or what the set-up depends on changed.
    const setup = taken && !taken.setupDue ? undefined : options.setup;
    // Status says `setup` only while the command runs, and why a warm worktree runs it again.
    const why = setup && taken ? `set-up: ${taken.setupDue}` : undefined;
    if (setup) state.set({ phase: 'setup', note: why });
    const setupStarted = Date.now();
    // The queue and state folders are never copied: `--copy '*.json'` would otherwise bring tasks and claims along.
    const onCopied = slot ? (files: string[]) => noteSlotCopied(slot, files) : undefined;
    const prepared = await prepareWorktree({ worktree, repo: layout.repo, copy: options.copy, setup, env, killGraceMs: options.killGraceMs, skip: [layout.queue, layout.state], onCopied });
    const setupMs = setup ? Date.now() - setupStarted : undefined;
    // Copied files (.env and the like) are the user's local set-up, not the task's work: never committed.
    copied = [...prepared.copied, ...prepared.existing];
    if (slot && taken && setupMs !== undefined) await noteSlotSetUp(slot, taken, setupMs);
    if (why) state.set({ note: undefined });
    input.emit(worktreeReady(task.id, gen, worktree, taken, options.setup, setupMs));
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
  const message = agentCommitMessage({ taskId: task.id, title: task.title, attempt: input.attempt, kind: wip ? 'wip' : 'leftover' });
  const commitOptions = { exclude: inPlace ? ownFolders(layout) : copied, identityFrom: layout.repo };
  // In a slot's worktree only while it still holds this attempt (fencing: see commitInSlot).
  const leftoverCommit = warm ? await commitInSlot(layout, input.agentId, branch, message, commitOptions) : await commitLeftovers(worktree, message, commitOptions);
  if (leftoverCommit) input.fault('commit-made');
  const exit = { exitCode: run.exitCode ?? undefined, signal: run.signal ?? undefined };
  return { next, worktree, branch, log, usage: sumUsage(events), durationMs: run.durationMs, ...exit, tail: run.tailLines, leftoverCommit, events };
}

/** The folder an attempt works in: the repository in place, its agent slot's warm worktree, or its own fresh one. */
export function attemptFolder(layout: Layout, options: Pick<RunOptions, 'inPlace' | 'worktrees'>, agentId: string, taskId: string, gen: number): string {
  if (options.inPlace) return layout.repo;
  return options.worktrees === 'warm' ? slotWorktree(layout, agentId) : attemptWorktree(layout, taskId, gen);
}

/** The `worktree-ready` event: which worktree the attempt got, and whether its set-up ran and why. */
function worktreeReady(task: string, gen: number, worktree: string, taken: SlotTaken | undefined, setup: string | undefined, setupMs: number | undefined): AgentEventInput {
  const ran = setupMs !== undefined;
  return {
    type: 'worktree-ready',
    task,
    gen,
    worktree,
    warm: taken !== undefined,
    created: taken ? taken.created : true,
    setup: setup === undefined ? 'none' : ran ? 'ran' : 'skipped',
    ...(ran ? { setupMs, why: taken?.setupDue ?? 'new worktree' } : {}),
    ...(taken?.kept.length ? { kept: taken.kept } : {}),
    ...(taken?.setAside ? { setAside: taken.setAside } : {}),
  };
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
