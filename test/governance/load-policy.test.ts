import { describe, expect, it } from 'vitest';
import { isSteppedDown, loadDecision, type LoadSample, type PoolView } from '../../src/governance/load-policy.js';
import { keepReadings, outsideLoad, type LoadReading } from '../../src/governance/outside-load.js';

const t = { pauseCpuPercent: 80, pauseMemoryPercent: 80, stepDownMemoryPercent: 90, cpuWindowMs: 30_000 };

/**
 * Readings one second apart on a 2-core machine at 100 ticks a second (200 ticks a second in all).
 * Each step gives the machine's busy share and this run's share, in percent of all cores.
 */
function readings(steps: { busy: number; own: number }[], from = 0): LoadReading[] {
  const out: LoadReading[] = [{ at: from, machine: { idle: 0, total: 0 }, own: new Map([['1:1', 0]]) }];
  let idle = 0;
  let own = 0;
  steps.forEach((step, i) => {
    idle += 200 - step.busy * 2;
    own += step.own * 2;
    out.push({ at: from + (i + 1) * 1000, machine: { idle, total: (i + 1) * 200 }, own: new Map([['1:1', own]]) });
  });
  return out;
}
const seconds = (n: number, step: { busy: number; own: number }) => Array.from({ length: n }, () => step);
const sample = (r: LoadReading[], memoryPercent = 50): LoadSample => ({ readings: r, memoryPercent });
const end = (r: LoadReading[]) => r.at(-1)!.at;
const pool = (over: Partial<PoolView> = {}) => () => ({ slot: 2, lowestLiveSlot: 1, running: 1, ...over });
const noPool = () => {
  throw new Error('the pool is only read under pressure');
};

describe('loadDecision', () => {
  it('claims below the thresholds without reading the pool', () => {
    const quiet = readings(seconds(40, { busy: 79, own: 0 }));
    expect(loadDecision(sample(quiet, 80), end(quiet), t, noPool, false)).toEqual({ claim: true, stepDown: false });
    expect(loadDecision(sample([], 10), 0, t, noPool, false).claim).toBe(true);
  });

  it("never pauses for this run's own CPU, however long it lasts", () => {
    const burst = readings(seconds(60, { busy: 100, own: 95 }));
    expect(loadDecision(sample(burst), end(burst), t, noPool, false)).toEqual({ claim: true, stepDown: false });
    expect(outsideLoad(burst, end(burst), 80)).toEqual({ percent: 5, aboveForMs: 0 });
  });

  it('pauses only once outside load has stayed above the mark for the whole window, saying so and for how long', () => {
    const r = readings([...seconds(5, { busy: 40, own: 30 }), ...seconds(35, { busy: 100, own: 5 })]);
    // 29 s into the outside load: not yet sustained.
    const early = r.slice(0, 5 + 29 + 1);
    expect(loadDecision(sample(early), end(early), t, noPool, false).claim).toBe(true);
    const d = loadDecision(sample(r), end(r), t, pool({ slot: 1, running: 2 }), false);
    expect(d).toEqual({ claim: false, stepDown: false, reason: 'CPU used outside this run at 95% has stayed above pauseCpuPercent 80% for 35 s: new claims wait while 2 tasks run' });
    // One interval below the mark ends it, and the window starts again.
    const dip = readings([...seconds(35, { busy: 100, own: 5 }), { busy: 50, own: 0 }, ...seconds(10, { busy: 100, own: 0 })]);
    expect(loadDecision(sample(dip), end(dip), t, noPool, false).claim).toBe(true);
  });

  it('keeps the readings the window and the start of the load above the mark need, and no more', () => {
    const r = readings([...seconds(10, { busy: 10, own: 0 }), ...seconds(100, { busy: 100, own: 0 })]);
    const kept = keepReadings(r, end(r), 30_000, 80);
    expect(kept.length).toBeLessThan(40);
    expect(outsideLoad(kept, end(r), 80)).toEqual(outsideLoad(r, end(r), 80));
    expect(outsideLoad(kept, end(r), 80)?.aboveForMs).toBe(100_000);
    const quiet = readings(seconds(100, { busy: 10, own: 0 }));
    expect(keepReadings(quiet, end(quiet), 30_000, 80).map((x) => x.at)).toEqual(quiet.slice(-31).map((x) => x.at));
  });

  it('counts a process of this run that started between readings whole, and one that ended not at all', () => {
    const before: LoadReading = { at: 0, machine: { idle: 0, total: 0 }, own: new Map([['1:1', 50], ['7:3', 40]]) };
    // 7 ended: its ticks moved to its parent 1, which is counted by its growth (50 → 100).
    const after: LoadReading = { at: 1000, machine: { idle: 0, total: 200 }, own: new Map([['1:1', 100], ['9:4', 30]]) };
    expect(outsideLoad([before, after], 1000, 80)?.percent).toBe(60);
  });

  it('pauses every worker while the pool has work running, saying why', () => {
    const d = loadDecision(sample([], 85), 0, t, pool({ slot: 1, running: 2 }), false);
    expect(d).toEqual({ claim: false, stepDown: false, reason: 'memory at 85% in use is above pauseMemoryPercent 80%: new claims wait while 2 tasks run' });
  });

  it('lets the lowest live slot start one task when nothing runs, so load from elsewhere never stops the queue', () => {
    expect(loadDecision(sample([], 85), 0, t, pool({ slot: 1, running: 0 }), false).claim).toBe(true);
    const other = loadDecision(sample([], 85), 0, t, pool({ slot: 3, running: 0 }), false);
    expect(other).toMatchObject({ claim: false, reason: expect.stringContaining('memory at 85% in use is above pauseMemoryPercent 80%') });
    expect(other).toMatchObject({ reason: expect.stringMatching(/agent-1 takes the next task$/) });
  });

  it('steps down to the lowest live slot above the higher memory mark, and stays there until memory falls clearly', () => {
    const high = loadDecision(sample([], 93), 0, t, pool({ slot: 2 }), false);
    expect(high).toMatchObject({ claim: false, stepDown: true, reason: expect.stringMatching(/^memory at 93% in use passed stepDownMemoryPercent 90%: only agent-1 claims until it falls below 70%/) });
    // 75%: below the pause mark, but a step-down holds until 70%.
    expect(loadDecision(sample([], 75), 0, t, pool({ slot: 2 }), true)).toMatchObject({ claim: false, stepDown: true });
    expect(loadDecision(sample([], 75), 0, t, pool({ slot: 1, running: 3 }), true)).toEqual({ claim: true, stepDown: true });
    expect(loadDecision(sample([], 69), 0, t, noPool, true)).toEqual({ claim: true, stepDown: false });
  });

  it('treats a worker as the lowest slot when no heartbeat could be read', () => {
    expect(loadDecision(sample([], 95), 0, t, pool({ slot: 4, lowestLiveSlot: undefined, running: 0 }), false).claim).toBe(true);
  });

  it('turns a check off at 100%', () => {
    const off = { pauseCpuPercent: 100, pauseMemoryPercent: 100, stepDownMemoryPercent: 100, cpuWindowMs: 1000 };
    const full = readings(seconds(10, { busy: 100, own: 0 }));
    expect(loadDecision(sample(full, 100), end(full), off, noPool, false).claim).toBe(true);
    expect(isSteppedDown(100, off, false)).toBe(false);
  });
});
