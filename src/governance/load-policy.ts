import { outsideLoad, type LoadReading } from './outside-load.js';

/**
 * Whether a worker may claim under the machine's load. Pure: takes readings, `now` and a view of the pool.
 *
 * - Pause: CPU used outside this run above `pauseCpuPercent` for all of `cpuWindowMs`, or memory
 *   above `pauseMemoryPercent`. The run's own CPU never counts: its bursts (git, agents starting)
 *   would otherwise pause it, and `--agents N` would mean fewer. No worker starts an attempt while the pool still has one running; once
 *   none runs, the lowest-numbered live slot may start one. Load from other programs thus slows
 *   the queue to one attempt at a time but never stops it (a busy CI box or a test suite pins the
 *   CPU for minutes on end).
 * - Step-down: memory above `stepDownMemoryPercent`. Only the lowest-numbered live slot claims,
 *   and it stays that way until memory falls clearly below the pause mark (STEP_DOWN_HYSTERESIS
 *   points under it), so the pool does not flap between one agent and all of them.
 */

export interface LoadThresholds {
  pauseCpuPercent: number;
  pauseMemoryPercent: number;
  stepDownMemoryPercent: number;
  cpuWindowMs: number;
}

export interface LoadSample {
  /** Machine and own-process CPU counters, oldest first (see outside-load.ts). */
  readings: readonly LoadReading[];
  /** Machine memory in use (not available to new programs), percent. */
  memoryPercent: number;
}

export interface PoolView {
  /** This worker's slot number (agent-N). */
  slot: number;
  /** Lowest slot number among live workers of this host; undefined when none could be read. */
  lowestLiveSlot?: number;
  /** Tasks running now, by any worker. */
  running: number;
}

export type LoadDecision = { claim: true; stepDown: boolean } | { claim: false; stepDown: boolean; reason: string };

/** Points under `pauseMemoryPercent` memory must fall to before a step-down ends. */
export const STEP_DOWN_HYSTERESIS = 10;

/** Whether the pool runs as one agent now, given whether it did at the previous sample. */
export function isSteppedDown(memoryPercent: number, t: LoadThresholds, wasSteppedDown: boolean): boolean {
  if (memoryPercent > t.stepDownMemoryPercent) return true;
  return wasSteppedDown && memoryPercent >= t.pauseMemoryPercent - STEP_DOWN_HYSTERESIS;
}

/** Why claiming should pause at this sample; empty when it need not. */
export function pressureReasons(sample: LoadSample, now: number, t: LoadThresholds): string[] {
  const reasons: string[] = [];
  const outside = outsideLoad(sample.readings, now, t.pauseCpuPercent);
  if (outside && outside.aboveForMs > 0 && outside.aboveForMs >= t.cpuWindowMs) {
    const held = `${Math.round(outside.aboveForMs / 1000)} s`;
    reasons.push(`CPU used outside this run at ${Math.round(outside.percent)}% has stayed above pauseCpuPercent ${t.pauseCpuPercent}% for ${held}`);
  }
  if (sample.memoryPercent > t.pauseMemoryPercent) {
    reasons.push(`memory at ${Math.round(sample.memoryPercent)}% in use is above pauseMemoryPercent ${t.pauseMemoryPercent}%`);
  }
  return reasons;
}

/** `pool` is only asked for under pressure: reading it costs a look at every heartbeat. */
export function loadDecision(sample: LoadSample, now: number, t: LoadThresholds, readPool: () => PoolView, wasSteppedDown: boolean): LoadDecision {
  const stepDown = isSteppedDown(sample.memoryPercent, t, wasSteppedDown);
  const reasons = pressureReasons(sample, now, t);
  if (!stepDown && reasons.length === 0) return { claim: true, stepDown };
  const pool = readPool();
  const lowest = pool.lowestLiveSlot ?? pool.slot;
  const isLowest = pool.slot <= lowest;
  if (stepDown && !isLowest) {
    const reason = `memory at ${Math.round(sample.memoryPercent)}% in use passed stepDownMemoryPercent ${t.stepDownMemoryPercent}%: only agent-${lowest} claims until it falls below ${t.pauseMemoryPercent - STEP_DOWN_HYSTERESIS}%`;
    return { claim: false, stepDown, reason };
  }
  if (reasons.length === 0) return { claim: true, stepDown };
  if (isLowest && pool.running === 0) return { claim: true, stepDown };
  const wait = pool.running > 0 ? `new claims wait while ${pool.running} task${pool.running === 1 ? '' : 's'} run` : `agent-${lowest} takes the next task`;
  return { claim: false, stepDown, reason: `${reasons.join('; ')}: ${wait}` };
}
