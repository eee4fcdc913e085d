import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { busyFraction, parseCpuTimes, parseMemoryUsed, treeUsage } from '../../src/proc/usage.js';
import { killRecorded, readPids, startFixture, tempDir } from './processes.js';

describe('treeUsage', () => {
  const temp = tempDir();
  afterEach(() => killRecorded(temp.pidFile));
  afterAll(() => temp.cleanup());

  it('sums memory over a process and its descendants', async () => {
    const parent = await startFixture('ignore-term.mjs', [], temp.pidFile, 'ready');
    const first = await treeUsage(parent.pid!);
    expect(first.pids.sort()).toEqual(readPids(temp.pidFile).sort());
    // Two node processes hold well over 10 MB resident.
    expect(first.memory).toBeGreaterThan(10 * 1024 * 1024);
    expect(first.cpu).toBeGreaterThanOrEqual(0);
    const second = await treeUsage(parent.pid!);
    expect(second.cpu).toBeGreaterThanOrEqual(0);
  });

  it('gives zero for a process that is gone or was never there', async () => {
    expect(await treeUsage(999_999_999)).toEqual({ cpu: 0, memory: 0, pids: [] });
    expect(await treeUsage(0)).toEqual({ cpu: 0, memory: 0, pids: [] });
  });
});

describe('system load', () => {
  it('parses the cpu line of /proc/stat, counting iowait as idle', () => {
    const text = 'cpu  100 5 50 800 40 1 2 2 9 9\ncpu0 1 1 1 1 1 1 1 1 0 0\n';
    expect(parseCpuTimes(text)).toEqual({ idle: 840, total: 1000 });
    expect(parseCpuTimes('intr 1 2 3')).toBeUndefined();
  });

  it('turns two readings into a busy fraction', () => {
    expect(busyFraction({ idle: 800, total: 1000 }, { idle: 850, total: 1200 })).toBeCloseTo(0.75);
    expect(busyFraction({ idle: 800, total: 1000 }, { idle: 800, total: 1000 })).toBe(0);
  });

  it('parses used memory from /proc/meminfo', () => {
    expect(parseMemoryUsed('MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    250 kB\n')).toBeCloseTo(0.75);
    expect(parseMemoryUsed('MemTotal: 1000 kB\n')).toBeUndefined();
  });
});
