import { describe, expect, it } from 'vitest';
import { isSteppedDown, loadDecision, type PoolView } from '../../src/governance/load-policy.js';

const t = { pauseCpuPercent: 80, pauseMemoryPercent: 80, stepDownMemoryPercent: 90 };
const pool = (over: Partial<PoolView> = {}) => () => ({ slot: 2, lowestLiveSlot: 1, running: 1, ...over });
const noPool = () => {
  throw new Error('the pool is only read under pressure');
};

describe('loadDecision', () => {
  it('claims below the thresholds without reading the pool', () => {
    expect(loadDecision({ cpuPercent: 79, memoryPercent: 80 }, t, noPool, false)).toEqual({ claim: true, stepDown: false });
    expect(loadDecision({ cpuPercent: undefined, memoryPercent: 10 }, t, noPool, false).claim).toBe(true);
  });

  it('pauses every worker while the pool has work running, saying why', () => {
    const d = loadDecision({ cpuPercent: 95, memoryPercent: 50 }, t, pool({ slot: 1, running: 2 }), false);
    expect(d).toEqual({ claim: false, stepDown: false, reason: 'CPU at 95% is above pauseCpuPercent 80%: new claims wait while 2 tasks run' });
  });

  it('lets the lowest live slot start one task when nothing runs, so load from elsewhere never stops the queue', () => {
    expect(loadDecision({ cpuPercent: 100, memoryPercent: 85 }, t, pool({ slot: 1, running: 0 }), false).claim).toBe(true);
    const other = loadDecision({ cpuPercent: 100, memoryPercent: 85 }, t, pool({ slot: 3, running: 0 }), false);
    expect(other).toMatchObject({ claim: false, reason: expect.stringContaining('memory at 85% in use is above pauseMemoryPercent 80%') });
    expect(other).toMatchObject({ reason: expect.stringMatching(/agent-1 takes the next task$/) });
  });

  it('steps down to the lowest live slot above the higher memory mark, and stays there until memory falls clearly', () => {
    const high = loadDecision({ cpuPercent: 10, memoryPercent: 93 }, t, pool({ slot: 2 }), false);
    expect(high).toMatchObject({ claim: false, stepDown: true, reason: expect.stringMatching(/^memory at 93% in use passed stepDownMemoryPercent 90%: only agent-1 claims until it falls below 70%/) });
    // 75%: below the pause mark, but a step-down holds until 70%.
    expect(loadDecision({ cpuPercent: 10, memoryPercent: 75 }, t, pool({ slot: 2 }), true)).toMatchObject({ claim: false, stepDown: true });
    expect(loadDecision({ cpuPercent: 10, memoryPercent: 75 }, t, pool({ slot: 1, running: 3 }), true)).toEqual({ claim: true, stepDown: true });
    expect(loadDecision({ cpuPercent: 10, memoryPercent: 69 }, t, noPool, true)).toEqual({ claim: true, stepDown: false });
  });

  it('treats a worker as the lowest slot when no heartbeat could be read', () => {
    expect(loadDecision({ memoryPercent: 95 }, t, pool({ slot: 4, lowestLiveSlot: undefined, running: 0 }), false).claim).toBe(true);
  });

  it('turns a check off at 100%', () => {
    const off = { pauseCpuPercent: 100, pauseMemoryPercent: 100, stepDownMemoryPercent: 100 };
    expect(loadDecision({ cpuPercent: 100, memoryPercent: 100 }, off, noPool, false).claim).toBe(true);
    expect(isSteppedDown(100, off, false)).toBe(false);
  });
});
