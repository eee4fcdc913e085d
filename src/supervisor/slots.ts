import os from 'node:os';
import path from 'node:path';
import { Claims, type LinkFn } from '../queue/claims.js';
import type { Layout } from '../queue/layout.js';
import { hostBootId, isSameProcess, processStartTime } from '../proc/start-time.js';
import { readJsonOrUndefined } from '../util/atomic-write.js';
import { slotAgentId } from '../queue/agent-id.js';

/**
 * Agent slots (`agent-1`, `agent-2`, …, or `<hostId>/agent-1`, … on a host that names itself) are claimed
 * the way tasks are: a hard-linked lease per generation under `.parallel-loop/slots/<agent>/`. Two supervisors on one queue thus never run
 * two workers under one agent id; a slot whose supervisor died on this host is taken over by claiming
 * its next generation (never by deleting the old claim).
 */
export class Slots {
  private readonly claims: Claims;
  private readonly held = new Map<string, number>();
  private readonly host = os.hostname();
  private readonly bootId = hostBootId();

  private readonly agentsDir: string;

  constructor(layout: Layout, readonly supervisorId: string, link?: LinkFn, private readonly hostId?: string) {
    this.claims = new Claims(path.join(layout.state, 'slots'), path.join(layout.state, 'supervisors'), link);
    this.agentsDir = layout.agents;
  }

  /** Claim `count` free slots, lowest numbers first. Returns their agent ids and slot numbers. */
  acquire(count: number): Array<{ agentId: string; slot: number }> {
    const got: Array<{ agentId: string; slot: number }> = [];
    const owner = { agentId: this.supervisorId, pid: process.pid, pidStart: processStartTime(process.pid), host: this.host, bootId: this.bootId, file: '' };
    for (let n = 1; got.length < count && n < 10_000; n++) {
      const agentId = slotAgentId(n, this.hostId);
      let result = this.claims.claim(agentId, owner);
      if (!result.ok && result.reason === 'live' && this.ownerIsDead(agentId, result.gen)) {
        result = this.claims.claim(agentId, owner, { over: result.gen });
      }
      if (result.ok) {
        this.held.set(agentId, result.gen);
        got.push({ agentId, slot: n });
      }
    }
    return got;
  }

  /**
   * Whether a run holds the slot: its claim is live and its supervisor lives (on another host: taken as
   * living), or the slot's worker still runs (workers outlive a killed supervisor to finish their task).
   */
  isHeld(agentId: string): boolean {
    const live = this.claims.snapshot(agentId).live;
    if (live !== undefined && !this.ownerIsDead(agentId, live)) return true;
    return this.workerAlive(agentId);
  }

  releaseAll(): void {
    for (const [agentId, gen] of this.held) this.claims.release(agentId, gen, { outcome: 'done', agentId: this.supervisorId }, this.supervisorId);
    this.held.clear();
  }

  private ownerIsDead(agentId: string, gen: number): boolean {
    const lease = this.claims.readLease(agentId, gen);
    if (!lease) return false;
    if (lease.host !== this.host || (lease.bootId && this.bootId && lease.bootId !== this.bootId)) {
      // Same host name but another boot: every process of that boot is gone.
      return lease.host === this.host;
    }
    if (lease.pidStart && isSameProcess(lease.pid, lease.pidStart)) return false;
    // Workers outlive a killed supervisor to finish their task: a second worker under the same id
    // would share that worker's heartbeat file, and monitors could take it for silent.
    return !this.workerAlive(agentId);
  }

  private workerAlive(agentId: string): boolean {
    const hb = readJsonOrUndefined<{ pid?: number; pidStart?: string; host?: string }>(path.join(this.agentsDir, agentId, 'heartbeat.json'));
    return hb?.host === this.host && hb.pid !== undefined && hb.pidStart !== undefined && isSameProcess(hb.pid, hb.pidStart);
  }
}
