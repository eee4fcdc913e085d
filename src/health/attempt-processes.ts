import { readFileSync, readdirSync } from 'node:fs';
import { environHas } from '../proc/env-marker.js';
import { killTree } from '../proc/kill-tree.js';
import { readStat } from '../proc/stat.js';
import { RUN_ID_ENV } from '../agents/run-process.js';
import type { AgentProcess } from '../queue/claims.js';

/**
 * Pids of the processes on this host that belong to one attempt: the worker starts its set-up
 * command and its agent with PL_TASK_ID and PL_GEN in their environment, and every process they
 * start inherits both. Found this way even when the worker died before it could record the agent's
 * pid (a kill between spawn and record), or after the agent left its process group.
 */
export function attemptProcesses(taskId: string, gen: number): number[] {
  const task = { name: 'PL_TASK_ID', value: taskId };
  const generation = { name: 'PL_GEN', value: String(gen) };
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue;
    }
    if (environHas(environ, task) && environHas(environ, generation)) found.push(Number(name));
  }
  return found;
}

/**
 * Stop everything an attempt left running on this host: the recorded agent tree (by pid, start time
 * and run id), then whatever else carries the attempt's marks. Never throws.
 */
export async function killAttempt(taskId: string, gen: number, recorded: AgentProcess | undefined, graceMs: number): Promise<void> {
  if (recorded) {
    const marker = recorded.runId ? { name: RUN_ID_ENV, value: recorded.runId } : undefined;
    await killTree(recorded.pid, { startTime: recorded.startTime, graceMs, marker }).catch(() => undefined);
  }
  for (const pid of attemptProcesses(taskId, gen)) {
    const startTime = readStat(pid)?.startTime;
    if (startTime) await killTree(pid, { startTime, graceMs }).catch(() => undefined);
  }
}
