import { readFileSync, readdirSync } from 'node:fs';
import { environHas } from '../proc/env-marker.js';
import { killTree } from '../proc/kill-tree.js';
import { readStat } from '../proc/stat.js';
import { RUN_ID_ENV } from '../agents/run-process.js';
import type { AgentProcess } from '../lifecycle/records.js';

/**
 * Pids of the processes on this host that belong to one attempt: the worker starts its set-up
 * command and its agent with PL_TASK_ID, PL_GEN and PL_WORKTREE in their environment, and every
 * process they start inherits them. Found this way even when the worker died before it could record
 * the agent's pid (a kill between spawn and record), or after the agent left its process group.
 * `worktrees`: the folders the attempt may have worked in (its worktree, or the repository in place);
 * without them, an attempt of a task of the same id in another repository would match too.
 */
export function attemptProcesses(taskId: string, gen: number, worktrees: string[]): number[] {
  const task = { name: 'PL_TASK_ID', value: taskId };
  const generation = { name: 'PL_GEN', value: String(gen) };
  const places = worktrees.map((value) => ({ name: 'PL_WORKTREE', value }));
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue;
    }
    if (environHas(environ, task) && environHas(environ, generation) && places.some((p) => environHas(environ, p))) found.push(Number(name));
  }
  return found;
}

/**
 * Stop everything an attempt left running on this host: the recorded agent tree (by pid, start time
 * and run id), then whatever else carries the attempt's marks. Never throws.
 */
export async function killAttempt(taskId: string, gen: number, worktrees: string[], recorded: AgentProcess | undefined, graceMs: number): Promise<void> {
  if (recorded) {
    const marker = recorded.runId ? { name: RUN_ID_ENV, value: recorded.runId } : undefined;
    await killTree(recorded.pid, { startTime: recorded.startTime, graceMs, marker }).catch(() => undefined);
  }
  for (const pid of attemptProcesses(taskId, gen, worktrees)) {
    const startTime = readStat(pid)?.startTime;
    if (startTime) await killTree(pid, { startTime, graceMs }).catch(() => undefined);
  }
}
