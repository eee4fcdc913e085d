import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isPid } from './stat.js';
import { descendantsIn, readProcTable } from './tree.js';

interface PidStat {
  cpu: number;
  memory: number;
}
// pidusage ships no types: this is the part of its API used here (array of pids → stats by pid).
type Pidusage = (pids: number[], options?: { maxage?: number }) => Promise<Record<string, PidStat | undefined>>;
// Loaded on the first measurement: a worker needs it only once an agent runs.
let pidusageModule: Pidusage | undefined;
const pidusage: Pidusage = (pids, options) => (pidusageModule ??= createRequire(import.meta.url)('pidusage') as Pidusage)(pids, options);

export interface TreeUsage {
  /** CPU percent summed over the tree (100 = one core), averaged since the previous call for each pid; 0 the first time. */
  cpu: number;
  /** Resident memory in bytes, summed over the tree. */
  memory: number;
  /** The pids measured: the process and its descendants that were running. */
  pids: number[];
}

/**
 * CPU and memory of a process and all its descendants. Processes that exit while
 * being measured are left out; a process that is gone gives zero usage and no pids.
 */
export async function treeUsage(pid: number): Promise<TreeUsage> {
  const table = readProcTable();
  if (!isPid(pid) || !table.some((p) => p.pid === pid)) return { cpu: 0, memory: 0, pids: [] };
  const pids = [pid, ...descendantsIn(table, [pid])];
  // Memory comes straight from /proc, so a memory limit never waits on the CPU sampler; CPU from
  // pidusage, given a bounded time (a sampler that never answers must not stop the next sample).
  const memory = new Map<number, number>();
  for (const p of pids) {
    const rss = residentBytes(p);
    if (rss !== undefined) memory.set(p, rss);
  }
  let stats: Record<string, PidStat | undefined> = {};
  try {
    stats = await Promise.race([pidusage([...memory.keys()]), new Promise<Record<string, PidStat | undefined>>((resolve) => setTimeout(() => resolve({}), 2000).unref())]);
  } catch {
    // With several pids pidusage drops the ones that fail; with one it rejects: that one has exited.
  }
  const usage: TreeUsage = { cpu: 0, memory: 0, pids: [] };
  for (const [p, rss] of memory) {
    usage.cpu += stats[p]?.cpu ?? 0;
    usage.memory += rss;
    usage.pids.push(p);
  }
  return usage;
}

/** Resident memory of one process from `/proc/<pid>/status` (VmRSS, in kB there); undefined when it is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // A zombie or kernel thread has no VmRSS line: it holds no user memory.
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return undefined;
  }
}

/** Cumulative CPU time counters from the first line of `/proc/stat` (clock ticks). */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** Parse the aggregate `cpu` line of `/proc/stat`. Guest time is left out: it is already counted in user time. */
export function parseCpuTimes(procStat: string): CpuTimes | undefined {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal
  const t = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (t.length < 8 || t.some((n) => !Number.isFinite(n))) return undefined;
  // iowait is time with nothing to run, so it counts as idle.
  return { idle: t[3] + t[4], total: t.reduce((sum, n) => sum + n, 0) };
}

/** Busy fraction (0..1) of the CPU time between two readings; 0 when no time passed. */
export function busyFraction(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.min(1, Math.max(0, 1 - (after.idle - before.idle) / total));
}

/** Used memory fraction (0..1) from `/proc/meminfo`: 1 - MemAvailable / MemTotal. */
export function parseMemoryUsed(meminfo: string): number | undefined {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? NaN);
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  if (!(total > 0) || !Number.isFinite(available)) return undefined;
  return Math.min(1, Math.max(0, 1 - available / total));
}
