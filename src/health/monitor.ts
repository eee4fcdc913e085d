import os from 'node:os';
import path from 'node:path';
import type { RunOptions } from '../config/options.js';
import type { AgentEventInput } from '../lifecycle/events.js';
import type { Lease } from '../lifecycle/records.js';
import { listAgentIds, type QueueStore } from '../queue/store.js';
import type { Owner } from '../queue/take.js';
import { readJsonOrUndefined } from '../util/atomic-write.js';
import { hostBootId, isSameProcess } from '../proc/start-time.js';
import { HeartbeatClock, judgeOwner, type Verdict } from './judge.js';
import { reclaim } from './reclaim.js';
import { returnStranded } from './stranded.js';

export interface MonitorConfig {
  store: QueueStore;
  options: Pick<RunOptions, 'staleAfterMs' | 'killGraceMs' | 'maxAttempts' | 'target' | 'land'> & Partial<Pick<RunOptions, 'stages' | 'roles' | 'remote'>>;
  /** Identity this monitor claims under when it reclaims. */
  owner: Owner;
  emit: (event: AgentEventInput) => void;
  /** Monotonic clock in ms (a test may pass its own). */
  now?: () => number;
}

/**
 * The health monitor. Every worker runs a pass every few seconds, so there is no single point of
 * failure; passes are idempotent, and two monitors reclaiming one claim race on link(2), so exactly
 * one wins. A pass reads each agent's lease files (its live claims) and heartbeat.
 */
export class Monitor {
  private readonly clock = new HeartbeatClock();
  private readonly host = os.hostname();
  private readonly bootId = hostBootId();
  private running = false;

  constructor(private readonly config: MonitorConfig) {}

  private now(): number {
    return this.config.now ? this.config.now() : performance.now();
  }

  /** One pass; returns the tasks it sent back (reclaimed, or stranded in running/). Overlapping calls return at once. */
  async pass(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    try {
      const reclaimed: string[] = [];
      const leases = this.liveLeases();
      this.clock.retain(new Set(leases.map(ownerKey)));
      for (const lease of leases) {
        const verdict = this.judge(lease);
        if (!verdict.stale) continue;
        this.config.emit({ type: 'heartbeat-missed', task: lease.taskId, gen: lease.gen, owner: lease.agentId, reason: verdict.reason });
        if (await reclaim(this.config, lease, verdict)) reclaimed.push(lease.taskId);
      }
      // Not left to start-up repair alone: a `run --once` waits for running/ to empty.
      for (const id of returnStranded(this.config.store, this.config.owner)) {
        this.config.emit({ type: 'repaired', task: id, what: `returned ${id} from running/ to the queue (it had no live claim)` });
        reclaimed.push(id);
      }
      return reclaimed;
    } finally {
      this.running = false;
    }
  }

  /** Leases whose generation is the live one; leftovers of released or superseded claims are removed. */
  private liveLeases(): Lease[] {
    const { store } = this.config;
    const live: Lease[] = [];
    for (const agentId of listAgentIds(store.layout.agents)) {
      for (const lease of store.claims.agentLeases(agentId)) {
        const snap = store.claims.snapshot(lease.taskId);
        if (snap.live === lease.gen && isTheClaim(lease, store.claims.readLease(lease.taskId, lease.gen))) live.push(lease);
        // A lease above the highest generation is a claim being made right now: leave it alone.
        else if (snap.highest >= lease.gen) store.claims.dropAgentLease(agentId, lease.taskId, lease.gen);
      }
    }
    return live;
  }

  private judge(lease: Lease): Verdict {
    const file = path.join(this.config.store.layout.agents, lease.agentId, 'heartbeat.json');
    const hb = readJsonOrUndefined<{ beat: number; pid: number }>(file);
    // A heartbeat from another pid is a restarted worker under the same agent id, not the owner.
    const heartbeat = hb && hb.pid === lease.pid ? hb : undefined;
    const now = this.now();
    const unchangedSinceMs = this.clock.observe(ownerKey(lease), heartbeat ? String(heartbeat.beat) : 'none', now);
    return judgeOwner(
      { lease, heartbeat, unchangedSinceMs },
      { host: this.host, bootId: this.bootId, nowMs: now, staleAfterMs: this.config.options.staleAfterMs, isSameProcess },
    );
  }
}

/** One owner's hold on one generation: the heartbeat clock restarts when any part changes. */
function ownerKey(lease: Lease): string {
  return `${lease.agentId}:${lease.pid}:${lease.taskId}:${lease.gen}`;
}

/**
 * Whether an agent's lease file is the one linked as the claim. A process killed between writing its
 * lease and linking it leaves a lease that never became a claim; once another process claims that
 * generation, judging the dead writer would reclaim a healthy owner's task.
 */
function isTheClaim(lease: Lease, claimed: Lease | undefined): boolean {
  if (!claimed) return true;
  return claimed.agentId === lease.agentId && claimed.pid === lease.pid && claimed.claimedAt === lease.claimedAt;
}
