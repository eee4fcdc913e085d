import fs from 'node:fs';
import path from 'node:path';
import { agentDir } from './layout.js';
import type { QueueStore } from './store.js';

/** The log of one attempt: `agents/<agent>/logs/<task>.<gen>.log`. */
export interface AttemptLog {
  task: string;
  gen: number;
  agentId: string;
  file: string;
  /** The generation is not released yet: the log may still grow. */
  live: boolean;
  outcome?: string;
}

/**
 * Every log a task's attempts wrote, oldest first, found from its claim history: each generation's
 * lease names the agent, and the log sits in that agent's folder (or where the release says it went).
 * Generations that ran no agent (a requeue before start, a retry marker) have none and are skipped.
 */
export function attemptLogs(store: QueueStore, task: string): AttemptLog[] {
  const logs: AttemptLog[] = [];
  const history = store.claims.history(task);
  const highest = history.at(-1)?.gen;
  for (const { gen, lease, release } of history) {
    if (!lease) continue;
    const recorded = typeof release?.log === 'string' ? release.log : undefined;
    const file = recorded && fs.existsSync(recorded) ? recorded : path.join(agentDir(store.layout, lease.agentId), 'logs', `${task}.${gen}.log`);
    if (!fs.existsSync(file)) continue;
    logs.push({ task, gen, agentId: lease.agentId, file, live: release === undefined && gen === highest, outcome: release?.outcome });
  }
  return logs;
}

const LOG_NAME = /^(.+)\.(\d+)\.log$/;

/** An agent's newest log (by modification time), for an agent that is between tasks. */
export function newestAgentLog(store: QueueStore, agentId: string): AttemptLog | undefined {
  const dir = path.join(agentDir(store.layout, agentId), 'logs');
  let best: { name: string; mtimeMs: number } | undefined;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!LOG_NAME.test(name)) continue;
    const mtimeMs = fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (!best || mtimeMs > best.mtimeMs) best = { name, mtimeMs };
  }
  if (!best) return undefined;
  const [, task, gen] = LOG_NAME.exec(best.name)!;
  return logOf(store, agentId, task!, Number(gen));
}

/** The log of one generation of a task run by `agentId`. */
export function logOf(store: QueueStore, agentId: string, task: string, gen: number): AttemptLog {
  const file = path.join(agentDir(store.layout, agentId), 'logs', `${task}.${gen}.log`);
  const release = store.claims.readRelease(task, gen);
  return { task, gen, agentId, file, live: !attemptOver(store, task, gen), outcome: release?.outcome };
}

/** The attempt's generation is released or superseded by a reclaim: its log will not grow. */
export function attemptOver(store: QueueStore, task: string, gen: number): boolean {
  return store.claims.readRelease(task, gen) !== undefined || store.claims.isSuperseded(task, gen);
}
