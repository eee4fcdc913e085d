import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { agentDir, type Layout } from '../queue/layout.js';
import type { AgentUsage } from '../agents/types.js';

export type Phase = 'starting' | 'idle' | 'claiming' | 'worktree' | 'setup' | 'agent' | 'committing' | 'verifying' | 'landing' | 'stopping' | 'paused';

/** `agents/<agent>/heartbeat.json`: what one agent is doing, readable with `cat`. */
export interface AgentState {
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

/** Keeps one agent's state file current: `set` for changes, `beat` on a timer. */
export class AgentStateWriter {
  readonly dir: string;
  readonly file: string;
  private state: AgentState;

  constructor(layout: Layout, identity: { agentId: string; pidStart?: string; bootId?: string; supervisorPid?: number }) {
    this.dir = agentDir(layout, identity.agentId);
    this.file = path.join(this.dir, 'heartbeat.json');
    fs.mkdirSync(path.join(this.dir, 'logs'), { recursive: true });
    const now = new Date().toISOString();
    this.state = { ...identity, pid: process.pid, host: os.hostname(), phase: 'starting', beat: 0, updatedAt: now, startedAt: now };
    this.write();
  }

  get current(): Readonly<AgentState> {
    return this.state;
  }

  set(change: Partial<AgentState>): void {
    this.state = { ...this.state, ...change };
    this.write();
  }

  /** Leave the task fields, keeping identity. */
  clearTask(phase: Phase = 'idle'): void {
    const { task, gen, attempt, taskStartedAt, worktree, branch, log, agentPid, agentPidStart, agentRunId, lastEvent, lastEventAt, usage, cpu, memory, note, ...rest } = this.state;
    void [task, gen, attempt, taskStartedAt, worktree, branch, log, agentPid, agentPidStart, agentRunId, lastEvent, lastEventAt, usage, cpu, memory, note];
    this.state = { ...rest, phase };
    this.write();
  }

  beat(): void {
    this.write();
  }

  private write(): void {
    this.state.beat++;
    this.state.updatedAt = new Date().toISOString();
    writeJsonAtomic(this.file, this.state);
  }
}
