import type { RunOptions } from '../config/options.js';
import type { AgentEvent, AgentUsage } from '../agents/types.js';
import { RUN_ID_ENV } from '../agents/run-process.js';
import { killTree } from '../proc/kill-tree.js';
import { treeUsage } from '../proc/usage.js';
import type { Layout } from '../queue/layout.js';
import type { AgentStateWriter } from '../worker/agent-state.js';
import { governedNext, memoryLimitReason, type AfterAgent, type AttemptFacts } from '../lifecycle/agent-exit.js';
import { ledgerFor } from './ledger.js';
import { isBlockingRateLimit, pauseUntil, writePause } from './pause.js';

export interface GuardInput {
  layout: Layout;
  options: RunOptions;
  agentId: string;
  task: { id: string; budgetUsd?: number };
  /** From the task's policy. */
  maxAttempts: number;
  gen: number;
  attempt: number;
  /** Adapter name, kept in the ledger so `plan` can estimate by agent. */
  adapter: string;
  state: AgentStateWriter;
}

const MB = 1024 * 1024;

/**
 * Governance of one running attempt: samples the agent's process tree (CPU and memory into the
 * agent state, and a kill past `memoryLimitMb`), turns a reported rate limit into a pause of all
 * claiming, and at the end records the attempt's spending in the ledger and has the last word on
 * what happens to the task (see governedNext).
 */
export class AttemptGuard {
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  private stopped = false;
  private readonly facts: Pick<AttemptFacts, 'memory' | 'rateLimit'> = {};

  constructor(private readonly input: GuardInput) {}

  /** Start sampling the agent's tree; `info` identifies it for a kill even after pid reuse. */
  watch(pid: number, info: { startTime?: string; runId: string }): void {
    this.timer = setInterval(() => void this.sample(pid, info), this.input.options.resourceSampleMs);
    this.timer.unref();
  }

  /** Every event the agent reports; a rate limit pauses claiming for every worker. */
  onEvent(event: AgentEvent): void {
    if (this.facts.rateLimit || !isBlockingRateLimit(event)) return;
    const { layout, options, agentId, task } = this.input;
    const now = Date.now();
    const until = new Date(pauseUntil(event, now, options.rateLimitPauseMs)).toISOString();
    const record = writePause(layout.state, { until, reason: event.summary, agent: agentId, task: task.id, at: new Date(now).toISOString() });
    this.facts.rateLimit = { until: record.until, summary: event.summary };
  }

  /** The agent has exited: stop sampling, record what it spent, and decide what follows. */
  finish(next: AfterAgent, usage: AgentUsage, durationMs: number): AfterAgent {
    this.stopped = true;
    clearInterval(this.timer);
    const { layout, agentId, task, gen, attempt, adapter, maxAttempts } = this.input;
    const ledger = ledgerFor(layout.ledger);
    ledger.record({ task: task.id, gen, attempt, agent: adapter, agentId, durationMs, ...usage });
    return governedNext(next, {
      ...this.facts,
      task,
      taskSpentUsd: ledger.taskUsd(task.id),
      attempt,
      maxAttempts,
    });
  }

  private async sample(pid: number, info: { startTime?: string; runId: string }): Promise<void> {
    if (this.sampling || this.stopped || this.facts.memory) return;
    this.sampling = true;
    try {
      const usage = await treeUsage(pid);
      if (usage.pids.length === 0 || this.stopped) return;
      const { options, state } = this.input;
      state.set({ cpu: Math.round(usage.cpu * 10) / 10, memory: usage.memory });
      const limitMb = options.memoryLimitMb;
      if (limitMb === undefined || usage.memory <= limitMb * MB) return;
      this.facts.memory = { limitMb, usedMb: usage.memory / MB };
      state.set({ note: memoryLimitReason(limitMb, usage.memory / MB) });
      await killTree(pid, { graceMs: options.killGraceMs, startTime: info.startTime, marker: { name: RUN_ID_ENV, value: info.runId } });
    } catch {
      // A tree that vanished mid-sample has exited; the attempt's end is handled by the runner.
    } finally {
      this.sampling = false;
    }
  }
}
