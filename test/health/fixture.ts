// Shared pieces of the recovery tests: a repository with shell tasks, short timings, and the checks
// every recovery must pass (done once, landed once, nothing left running).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, expect } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, processesIn, readEvents, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { readStat } from '../../src/proc/stat.js';
import { waitFor } from '../proc/processes.js';
import { auditLandings } from '../../src/merge/audit.js';
import { QueueStore } from '../../src/queue/store.js';
import { layoutFor } from '../../src/queue/layout.js';

/** Timings short enough for tests, long enough for 2 busy cores. */
export const FAST = ['--monitor-ms', '200', '--stale-after-ms', '1500', '--rescan-ms', '200', '--kill-grace-ms', '300', '--retry-backoff-ms', '50'];

/**
 * A shell task that leaves a trace of each attempt (`p-<attempt>.txt`), dawdles only in its first
 * attempt (so a reclaimed task finishes quickly), then writes its result `<id>.txt`.
 */
export function slowOnFirst(id: string, sleepSec: number): string {
  return `echo partial > p-${id}-$PL_ATTEMPT.txt; if [ "$PL_ATTEMPT" = 1 ]; then sleep ${sleepSec}; fi; echo done > ${id}.txt`;
}

/** A repository with one shell task per entry, and a config that keeps claiming going on a busy machine. */
export function repoWithTasks(tasks: Record<string, string>, maxAttempts = 5): string {
  const repo = tmpRepo();
  // The machine-load pause would hold claims back whenever the test machine is busy.
  writeConfig(repo, { restartBackoffMs: 100, pauseCpuPercent: 100, pauseMemoryPercent: 100 });
  for (const [id, run] of Object.entries(tasks)) writeTask(repo, id, { agent: 'shell', run, maxAttempts });
  return repo;
}

/** How often the task's trailer appears in the target's first-parent history. */
export function landings(repo: string, id: string, target = 'main'): number {
  return git(repo, 'log', '--first-parent', '--format=%B', target).split('\n').filter((l) => l === `Parallel-Loop-Task: ${id}`).length;
}

/** Files in the target's tree. */
export function targetFiles(repo: string, target = 'main'): string[] {
  return git(repo, 'ls-tree', '-r', '--name-only', target).split('\n');
}

/** The task is in done/ once and nowhere else, landed once; nothing of the run still runs. */
export function expectDoneOnce(repo: string, id: string): void {
  expect(tasksIn(repo, 'done').filter((f) => f.startsWith(`${id}.`))).toEqual([`${id}.json`]);
  for (const state of ['inbox', 'running', 'failed'] as const) expect(tasksIn(repo, state).filter((f) => f.startsWith(`${id}.`)), state).toEqual([]);
  expect(landings(repo, id)).toBe(1);
  expect(targetFiles(repo)).toContain(`${id}.txt`);
}

/** I5: every task in done/ has its trailer on the target once, and every trailer's task is in done/. */
export async function expectDoneMeansLanded(repo: string, target = 'main'): Promise<void> {
  expect(await auditLandings(new QueueStore(layoutFor(repo)), target)).toEqual([]);
}

export function expectNothingRunning(repo: string): void {
  expect(processesIn(repo)).toEqual([]);
}

export interface Heartbeat {
  pid: number;
  phase: string;
  task?: string;
  gen?: number;
  agentPid?: number;
}

export function heartbeats(repo: string): Array<Heartbeat & { agent: string }> {
  const dir = path.join(repo, '.parallel-loop/agents');
  const found: Array<Heartbeat & { agent: string }> = [];
  for (const agent of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    try {
      found.push({ agent, ...(JSON.parse(fs.readFileSync(path.join(dir, agent, 'heartbeat.json'), 'utf8')) as Heartbeat) });
    } catch {
      // Not written yet, or mid-rename.
    }
  }
  return found;
}

/** The heartbeat of the worker running the agent of `id`, once there is one. */
export async function workerRunning(repo: string, id: string, ms = 20_000): Promise<Heartbeat & { agent: string }> {
  let found: (Heartbeat & { agent: string }) | undefined;
  await waitFor(() => (found = heartbeats(repo).find((h) => h.task === id && h.phase === 'agent' && h.agentPid !== undefined)) !== undefined, ms);
  return found!;
}

export function eventsOf(repo: string, type: string, id?: string) {
  return readEvents(repo).filter((e) => e.type === type && (id === undefined || e.task === id));
}

/** A process that ran and exited: its pid and start time, as a dead owner's lease would hold them. */
export async function deadProcess(): Promise<{ pid: number; startTime: string }> {
  const child = spawn('sleep', ['0.2'], { stdio: 'ignore' });
  const pid = child.pid!;
  const startTime = readStat(pid)!.startTime;
  await new Promise((resolve) => child.on('exit', resolve));
  return { pid, startTime };
}

/** Run after each test, first to last (`unshift` for what must run before the rest). */
export const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Kill whatever a test left running in `repo` once the test ends; returns `repo`. */
export function track(repo: string): string {
  cleanups.push(() => killProcessesIn(repo));
  return repo;
}
