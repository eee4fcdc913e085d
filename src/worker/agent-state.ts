import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { agentDir, type Layout } from '../queue/layout.js';
import { RECORD_VERSION, type AgentState, type Phase } from '../lifecycle/records.js';

/**
 * Keeps one agent's state file current: `set` for changes, `beat` on a timer.
 *
 * Changes made in one turn of the event loop are written once, at its end (`setImmediate`): an attempt
 * changes its phase a dozen times, most of them back to back (idle, claiming, worktree), and each write
 * replaces the file by rename, which on ext4 starts writeback of the new file (1-3 ms each on the 2-core
 * machine under load, a tenth of that for a new name). Readers (status, the monitor, the supervisor) judge
 * the file on a scale of seconds; the file is never behind by more than the current turn. `flush` writes now.
 */
export class AgentStateWriter {
  readonly dir: string;
  readonly file: string;
  private state: AgentState;
  private pending: NodeJS.Immediate | undefined;

  constructor(layout: Layout, identity: { agentId: string; pidStart?: string; bootId?: string; supervisorPid?: number }) {
    this.dir = agentDir(layout, identity.agentId);
    this.file = path.join(this.dir, 'heartbeat.json');
    fs.mkdirSync(path.join(this.dir, 'logs'), { recursive: true });
    const now = new Date().toISOString();
    this.state = { version: RECORD_VERSION, ...identity, pid: process.pid, host: os.hostname(), phase: 'starting', beat: 0, updatedAt: now, startedAt: now };
    this.write();
  }

  get current(): Readonly<AgentState> {
    return this.state;
  }

  set(change: Partial<AgentState>): void {
    this.state = { ...this.state, ...change };
    this.pending ??= setImmediate(() => this.write());
  }

  /** Write a pending change now (before the process ends, or when a reader must see it at once). */
  flush(): void {
    if (this.pending) this.write();
  }

  /** Leave the task fields, keeping identity. */
  clearTask(phase: Phase = 'idle'): void {
    const { task, gen, attempt, taskStartedAt, worktree, branch, log, agentPid, agentPidStart, agentRunId, lastEvent, lastEventAt, usage, cpu, memory, note, ...rest } = this.state;
    void [task, gen, attempt, taskStartedAt, worktree, branch, log, agentPid, agentPidStart, agentRunId, lastEvent, lastEventAt, usage, cpu, memory, note];
    this.state = { ...rest, phase };
    this.pending ??= setImmediate(() => this.write());
  }

  beat(): void {
    this.write();
  }

  private write(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    this.state.beat++;
    this.state.updatedAt = new Date().toISOString();
    writeJsonAtomic(this.file, this.state);
  }
}
