import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCpuTimes, parseMemoryUsed } from '../proc/usage.js';
import { isSameProcess } from '../proc/start-time.js';
import { descendantsIn, readProcTable } from '../proc/tree.js';
import { readJsonOrUndefined } from '../util/atomic-write.js';
import { isSlotName, parseAgentId, slotAgentId } from '../queue/agent-id.js';
import { Claims } from '../queue/claims.js';
import type { AgentState } from '../lifecycle/records.js';
import type { LoadSample } from './load-policy.js';
import { keepReadings, type LoadReading } from './outside-load.js';

/** Readings closer together than this are not kept: the window needs a few, not one per loop turn. */
const MIN_SPACING_MS = 500;

/**
 * Readings of the machine's CPU counters and of this run's own processes (the process tree under
 * `rootPid`, the supervisor), kept over the window; and memory in use now. The first reading is
 * taken at construction, so the window counts from the worker's start.
 */
export class LoadSampler {
  private readings: LoadReading[] = [];

  constructor(
    private readonly rootPid: number,
    private readonly windowMs: number,
    private readonly thresholdPercent: number,
    now = Date.now(),
  ) {
    this.read(now);
  }

  sample(now = Date.now()): LoadSample {
    if (this.readings.length === 0 || now - this.readings.at(-1)!.at >= MIN_SPACING_MS) this.read(now);
    this.readings = keepReadings(this.readings, now, this.windowMs, this.thresholdPercent);
    return { readings: this.readings, memoryPercent: (parseMemoryUsed(readProc('meminfo')) ?? 0) * 100 };
  }

  private read(now: number): void {
    const machine = parseCpuTimes(readProc('stat'));
    if (machine) this.readings.push({ at: now, machine, own: ownTicks(this.rootPid) });
  }
}

/** CPU ticks of `root` and its descendants by `pid:startTime`; of this process alone when `root` is gone. */
function ownTicks(root: number): Map<string, number> {
  const table = readProcTable();
  const top = table.some((p) => p.pid === root) ? root : process.pid;
  const pids = new Set([top, ...descendantsIn(table, [top])]);
  const own = new Map<string, number>();
  for (const p of table) if (pids.has(p.pid)) own.set(`${p.pid}:${p.startTime}`, p.cpuTicks);
  return own;
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
export function lowestLiveSlot(stateDir: string, hostId?: string): number | undefined {
  const agentsDir = path.join(stateDir, 'agents');
  const slots = new Claims(path.join(stateDir, 'slots'), path.join(stateDir, 'supervisors'));
  const numbers = new Set<number>();
  // A host that names itself has its own slots, in its own folder; the others share the top level.
  for (const dir of [agentsDir, path.join(stateDir, 'slots')]) {
    for (const name of listDir(hostId ? path.join(dir, hostId) : dir)) {
      if (isSlotName(name)) numbers.add(parseAgentId(name)!.slot);
    }
  }
  const host = os.hostname();
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const agentId = slotAgentId(n, hostId);
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
