import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STATES, type Layout, type TaskState } from '../queue/layout.js';
import { listAgentIds, QueueStore } from '../queue/store.js';
import { hostBootId, isAlive, isSameProcess } from '../proc/start-time.js';
import { treeUsage } from '../proc/usage.js';
import { readJsonOrUndefined } from '../util/atomic-write.js';
import type { AgentState } from '../lifecycle/records.js';
import { isStage } from '../lifecycle/stages.js';
import { priorState } from '../worker/history.js';
import type { FinishedRef } from './digest.js';
import { loadDigest, type DigestState } from './event-cache.js';
import type { AgentSnapshot, FinishedSnapshot, RunningSnapshot, StatusSnapshot, WaitingSnapshot } from './types.js';

/** Who a liveness check is about: a heartbeat or a lease both name a process this way. */
export interface ProcessRef {
  pid: number;
  pidStart?: string;
  host: string;
  bootId?: string;
}

export interface SnapshotOptions {
  /** The digest state of the previous pass (a watch loop keeps it); otherwise the cache file is used. */
  previous?: DigestState;
  /** Is this process running? undefined: cannot tell. Default: /proc on this host, unknown elsewhere. */
  isAlive?: (ref: ProcessRef) => boolean | undefined;
  /** Measure CPU and memory of live agents on this host when their heartbeat has none. Default true. */
  measure?: boolean;
  /** Finished tasks read in detail (one release record each), per outcome. Default 20. */
  recentLimit?: number;
  /** Queued task ids listed. Default 50. */
  queuedLimit?: number;
}

/**
 * Read everything a status needs from the queue and state folders. Works with no supervisor
 * running. Cost per pass: one readdir per state folder, one file per agent and per running task,
 * the lines appended to events.jsonl since the last pass, and `recentLimit` release records; never
 * one file per finished task.
 */
export async function readSnapshot(layout: Layout, options: SnapshotOptions = {}): Promise<{ snapshot: StatusSnapshot; digest: DigestState }> {
  const store = new QueueStore(layout);
  const live = options.isAlive ?? localLiveness();
  const recentLimit = options.recentLimit ?? 20;
  // One listing per folder gives both the counts (what QueueStore.countTasks returns) and the inbox names.
  const files = {} as Record<TaskState, string[]>;
  for (const state of STATES) files[state] = store.taskFiles(state);
  const counts = Object.fromEntries(STATES.map((s) => [s, files[s].length])) as Record<TaskState, number>;
  const digest = loadDigest(layout, options.previous);
  const d = digest.digest;
  const liveness: Record<string, boolean> = {};

  const agents = readHeartbeats(layout);
  for (const a of agents) {
    setLive(liveness, a.heartbeat.agentId, live(a.heartbeat));
    if (wasReclaimed(store, a.heartbeat)) a.reclaimed = true;
  }

  const inHand = new Set(agents.map((a) => a.heartbeat.task).filter(Boolean));
  const running: RunningSnapshot[] = [];
  for (const file of files.running) {
    const task = stripExtension(file);
    const gen = store.claims.snapshot(task).live;
    // Released since the folder was listed: the task moved on (finish moves the file, then releases).
    if (gen === undefined && !store.stat('running', file)) continue;
    const lease = gen === undefined ? undefined : store.claims.readLease(task, gen);
    if (lease) setLive(liveness, `lease:${task}`, live(lease));
    // The heartbeat names the stage; without one the claim history does (a few records, one task).
    const stage = inHand.has(task) ? undefined : priorState(store.claims.history(task)).stage;
    running.push({ task, file, gen, lease, ...(stage ? { stage } : {}) });
  }

  // A held task waits in the inbox with its generation released as `held` (a ready one as `ready`, or
  // `requeued` after its lander stopped); the log names the candidates, the claim confirms them (it may
  // since have been claimed again or removed).
  const inboxIds = new Set(files.inbox.map(stripExtension));
  const held = Object.values(d.held).filter((h) => {
    if (!inboxIds.has(h.task)) return false;
    const snap = store.claims.snapshot(h.task);
    if (snap.live !== undefined) return false;
    const outcome = store.claims.readRelease(h.task, snap.highest)?.outcome;
    return h.ready ? outcome === 'ready' || outcome === 'requeued' : outcome === 'held';
  });
  const heldIds = new Set(held.map((h) => h.task));

  // Pipeline tasks between stages: the log names the unfinished ones, their last release confirms
  // which wait in the inbox and for what.
  const waiting: WaitingSnapshot[] = [];
  for (const task of Object.keys(d.staged ?? {}).sort()) {
    if (!inboxIds.has(task) || heldIds.has(task)) continue;
    const snap = store.claims.snapshot(task);
    const last = snap.live === undefined ? store.claims.readRelease(task, snap.highest) : undefined;
    if (last && (last.outcome === 'advance' || last.outcome === 'retry') && isStage(last.nextStage) && last.nextStage !== 'land') {
      waiting.push({ task, stage: last.nextStage, since: last.at });
    }
  }
  const queued = files.inbox.map(stripExtension).filter((id) => !heldIds.has(id)).sort().slice(0, options.queuedLimit ?? 50);

  const details = (refs: FinishedRef[]): FinishedSnapshot[] =>
    refs.slice(-recentLimit).reverse().map((ref) => ({ ...ref, release: ref.gen === undefined ? undefined : store.claims.readRelease(ref.task, ref.gen) }));

  // Last, as it takes longest: everything else is read as close together in time as it can be.
  if (options.measure ?? true) await measure(agents, liveness);
  const snapshot: StatusSnapshot = {
    repo: layout.repo,
    queue: layout.queue,
    state: layout.state,
    counts,
    queued,
    agents,
    running,
    held,
    waiting,
    recentDone: details(d.done),
    recentFailed: details(d.failed),
    liveness,
    digest: d,
  };
  return { snapshot, digest };
}

function readHeartbeats(layout: Layout): AgentSnapshot[] {
  const agents: AgentSnapshot[] = [];
  for (const name of listAgentIds(layout.agents)) {
    const heartbeat = readJsonOrUndefined<AgentState>(path.join(layout.agents, name, 'heartbeat.json'));
    if (heartbeat && typeof heartbeat.agentId === 'string') agents.push({ heartbeat });
  }
  return agents;
}

/** The generation the heartbeat names is superseded and was never released: a reclaim took it over. */
function wasReclaimed(store: QueueStore, hb: AgentState): boolean {
  if (!hb.task || typeof hb.gen !== 'number') return false;
  const snap = store.claims.snapshot(hb.task);
  return snap.highest > hb.gen && snap.gens.includes(hb.gen) && !snap.released.has(hb.gen);
}

/** Liveness from /proc for processes of this host and boot; another host's cannot be told from here. */
export function localLiveness(): (ref: ProcessRef) => boolean | undefined {
  const host = os.hostname();
  const boot = hostBootId();
  return (ref) => {
    if (ref.host !== host) return undefined;
    // Same host name, another boot: every process of that boot is gone.
    if (ref.bootId && boot && ref.bootId !== boot) return false;
    return ref.pidStart ? isSameProcess(ref.pid, ref.pidStart) : isAlive(ref.pid);
  };
}

// CPU and memory of the whole tree under the worker (its agent and the agent's children), for live
// local agents whose heartbeat does not carry them.
async function measure(agents: AgentSnapshot[], liveness: Record<string, boolean>): Promise<void> {
  await Promise.all(
    agents.map(async (a) => {
      const hb = a.heartbeat;
      if (liveness[hb.agentId] !== true || (typeof hb.cpu === 'number' && typeof hb.memory === 'number')) return;
      const usage = await treeUsage(hb.pid).catch(() => undefined);
      if (usage && usage.pids.length > 0) {
        a.cpu = Math.round(usage.cpu * 10) / 10;
        a.memory = usage.memory;
      }
    }),
  );
}

function setLive(liveness: Record<string, boolean>, key: string, alive: boolean | undefined): void {
  if (alive !== undefined) liveness[key] = alive;
}

function stripExtension(file: string): string {
  const ext = path.extname(file);
  return ext ? file.slice(0, -ext.length) : file;
}

