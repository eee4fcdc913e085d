import type { Lease } from '../lifecycle/records.js';

/** What a monitor knows about the owner of a live claim. */
export interface OwnerView {
  lease: Lease;
  /** The owning agent's heartbeat, when its pid is the lease's pid (else it is another process's). */
  heartbeat?: { beat: number; pid: number };
  /** When this monitor first saw the heartbeat at its current value, on its own monotonic clock (ms). */
  unchangedSinceMs: number;
}

export interface JudgeContext {
  host: string;
  bootId?: string;
  /** Monotonic now (ms). */
  nowMs: number;
  staleAfterMs: number;
  /** Is (pid, start time) still the same live process on this host? */
  isSameProcess: (pid: number, startTime: string) => boolean;
}

export type Verdict = { stale: false } | { stale: true; reason: string; sameHost: boolean };

/**
 * Is a live claim's owner gone? Pure. On this host a dead (or reused) pid decides at once; a
 * heartbeat that has not changed for `staleAfterMs`, measured on the observer's own clock, decides
 * everywhere. A live owner that keeps heartbeating is never stale, however quiet its agent is.
 */
export function judgeOwner(view: OwnerView, ctx: JudgeContext): Verdict {
  const { lease } = view;
  const sameHost = lease.host === ctx.host;
  if (sameHost && lease.bootId && ctx.bootId && lease.bootId !== ctx.bootId) {
    return { stale: true, reason: `its owner ${lease.agentId} (pid ${lease.pid}) ran before this machine rebooted`, sameHost };
  }
  if (sameHost && lease.pidStart && !ctx.isSameProcess(lease.pid, lease.pidStart)) {
    return { stale: true, reason: `its owner ${lease.agentId} (pid ${lease.pid}) is no longer running`, sameHost };
  }
  const quietMs = ctx.nowMs - view.unchangedSinceMs;
  if (quietMs >= ctx.staleAfterMs) {
    const what = view.heartbeat ? `heartbeat of ${lease.agentId} (pid ${lease.pid}) unchanged` : `no heartbeat from ${lease.agentId} (pid ${lease.pid})`;
    return { stale: true, reason: `${what} for ${Math.round(quietMs / 1000)}s (stale after ${Math.round(ctx.staleAfterMs / 1000)}s)`, sameHost };
  }
  return { stale: false };
}

/**
 * Remembers when each owner's heartbeat last changed, on this process's monotonic clock. Wall-clock
 * stamps written by other hosts are never compared with ours.
 */
export class HeartbeatClock {
  private readonly seen = new Map<string, { key: string; sinceMs: number }>();

  /** Record an observation; returns since when the value has been unchanged. */
  observe(owner: string, value: string, nowMs: number): number {
    const last = this.seen.get(owner);
    if (last && last.key === value) return last.sinceMs;
    this.seen.set(owner, { key: value, sinceMs: nowMs });
    return nowMs;
  }

  forget(owner: string): void {
    this.seen.delete(owner);
  }

  /** Forget every owner not in `owners` (their claims are gone), so a long run does not pile them up. */
  retain(owners: ReadonlySet<string>): void {
    for (const owner of this.seen.keys()) if (!owners.has(owner)) this.seen.delete(owner);
  }
}
