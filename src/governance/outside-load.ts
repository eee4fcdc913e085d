import type { CpuTimes } from '../proc/usage.js';

/**
 * CPU load from outside this run, from readings of the machine's counters and of this run's own
 * processes (the supervisor and everything under it: workers, agents, git). Pure: the readings are
 * taken by load-sampler.ts. Subtracting the run's own CPU is what keeps a run from pausing on its
 * own git and agent start-up bursts: on 2 cores, 3 agents starting at once fill the machine.
 */

/** One reading, all in clock ticks. */
export interface LoadReading {
  at: number;
  machine: CpuTimes;
  /** CPU ticks (its own plus those of children it has waited for) of each of this run's processes, by `pid:startTime`. */
  own: ReadonlyMap<string, number>;
}

/**
 * Ticks this run used between two readings. A process in both counts its growth; one new in `after`
 * counts whole (it started in between); one gone is left out, since its time moved to its parent's
 * count of waited-for children, which is in the parent's growth.
 */
export function ownTicksBetween(before: LoadReading, after: LoadReading): number {
  let ticks = 0;
  for (const [key, now] of after.own) ticks += Math.max(0, now - (before.own.get(key) ?? 0));
  return ticks;
}

/** Percent of all cores busy outside this run between two readings; undefined when no time passed. */
export function outsidePercent(before: LoadReading, after: LoadReading): number | undefined {
  const total = after.machine.total - before.machine.total;
  if (total <= 0) return undefined;
  const busy = total - (after.machine.idle - before.machine.idle);
  return (Math.min(1, Math.max(0, (busy - ownTicksBetween(before, after)) / total))) * 100;
}

export interface OutsideLoad {
  /** Outside CPU percent over the newest interval. */
  percent: number;
  /** How long outside CPU has stayed above the threshold, up to `now`; 0 when the newest interval is not above. */
  aboveForMs: number;
}

/**
 * Where the trailing run of intervals above `thresholdPercent` begins (an index into `readings`,
 * oldest first); `readings.length - 1` when the newest interval is not above.
 */
function aboveStart(readings: readonly LoadReading[], thresholdPercent: number): number {
  let start = readings.length - 1;
  while (start > 0 && (outsidePercent(readings[start - 1]!, readings[start]!) ?? 0) > thresholdPercent) start--;
  return start;
}

/** Outside load at `now` from readings oldest first; undefined before there are two. */
export function outsideLoad(readings: readonly LoadReading[], now: number, thresholdPercent: number): OutsideLoad | undefined {
  if (readings.length < 2) return undefined;
  const percent = outsidePercent(readings.at(-2)!, readings.at(-1)!);
  if (percent === undefined) return undefined;
  const start = aboveStart(readings, thresholdPercent);
  return { percent, aboveForMs: start < readings.length - 1 ? now - readings[start]!.at : 0 };
}

/**
 * The readings worth keeping: those inside the window (and the one just before it, so the window is
 * spanned), and the reading where the trailing run above the threshold began. Readings inside that run
 * but before the window can go: ticks add up, so the interval that replaces them is above too.
 */
export function keepReadings(readings: readonly LoadReading[], now: number, windowMs: number, thresholdPercent: number): LoadReading[] {
  let first = 0;
  while (first < readings.length - 2 && now - readings[first + 1]!.at >= windowMs) first++;
  const start = aboveStart(readings, thresholdPercent);
  if (start >= first) return readings.slice(first);
  return [readings[start]!, ...readings.slice(first)];
}
