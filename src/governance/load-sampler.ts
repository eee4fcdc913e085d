import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { busyFraction, parseCpuTimes, parseMemoryUsed, type CpuTimes } from '../proc/usage.js';
import { isSameProcess } from '../proc/start-time.js';
import { readJsonOrUndefined } from '../util/atomic-write.js';
import { Claims } from '../queue/claims.js';
import type { AgentState } from '../lifecycle/records.js';
import type { LoadSample } from './load-policy.js';

interface Reading {
  at: number;
  times: CpuTimes;
}

/** Readings closer together than this are not kept: the window needs a few, not one per loop turn. */
const MIN_SPACING_MS = 500;

/**
 * Machine CPU averaged over a sliding window, and memory in use now. CPU is the busy share between
 * the oldest reading inside the window and the newest, so one build burst does not pause claiming.
 */
export class LoadSampler {
  private readings: Reading[] = [];

  constructor(private readonly windowMs: number) {}

  sample(now = Date.now()): LoadSample {
    const times = parseCpuTimes(readProc('stat'));
    if (times && (this.readings.length === 0 || now - this.readings.at(-1)!.at >= MIN_SPACING_MS)) this.readings.push({ at: now, times });
    // Keep one reading at or beyond the window's start, so the average spans the whole window.
    while (this.readings.length > 2 && now - this.readings[1]!.at >= this.windowMs) this.readings.shift();
    const oldest = this.readings[0];
    const newest = this.readings.at(-1);
    const cpuPercent = oldest && newest && newest.at > oldest.at ? busyFraction(oldest.times, newest.times) * 100 : undefined;
    return { cpuPercent, memoryPercent: (parseMemoryUsed(readProc('meminfo')) ?? 0) * 100 };
  }
}

function readProc(name: 'stat' | 'meminfo'): string {
  try {
    return fs.readFileSync(`/proc/${name}`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The lowest slot number among workers alive on this host. A slot counts when its worker's
 * heartbeat shows a running process that is not on its way out, or when a live supervisor holds
 * the slot and its worker has not written a heartbeat since (it is starting: without this, the
 * first worker to come up would take itself for the lowest).
 */
export function lowestLiveSlot(stateDir: string): number | undefined {
  const agentsDir = path.join(stateDir, 'agents');
  const slots = new Claims(path.join(stateDir, 'slots'), path.join(stateDir, 'supervisors'));
  const numbers = new Set<number>();
  for (const dir of [agentsDir, path.join(stateDir, 'slots')]) {
    for (const name of listDir(dir)) {
      const n = /^agent-(\d+)$/.exec(name)?.[1];
      if (n !== undefined) numbers.add(Number(n));
    }
  }
  const host = os.hostname();
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const agentId = `agent-${n}`;
    const beat = readJsonOrUndefined<AgentState>(path.join(agentsDir, agentId, 'heartbeat.json'));
    if (beat && beat.host === host && beat.phase !== 'stopping' && isRunning(beat.pid, beat.pidStart)) return n;
    const lease = slots.liveLease(agentId);
    if (!lease || lease.host !== host || !isRunning(lease.pid, lease.pidStart)) continue;
    if (!beat || Date.parse(beat.startedAt) < Date.parse(lease.claimedAt)) return n;
  }
  return undefined;
}

function isRunning(pid: number, pidStart: string | undefined): boolean {
  return pidStart ? isSameProcess(pid, pidStart) : pid === process.pid;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
