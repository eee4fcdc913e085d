import { describe, expect, it } from 'vitest';
import { parseStat, readStat } from '../../src/proc/stat.js';

const tail = '0 -1 4194560 95 0 1 0 7 3 2 1 20 0 1 0 269664 0 0 18446744073709551615';

describe('parseStat', () => {
  it('reads the fields after the last parenthesis, whatever the command name holds, and sums the CPU ticks of the process and its reaped children', () => {
    const stat = parseStat(`4688 (a b) (c) d) S 1 4678 2474 ${tail}\n`);
    expect(stat).toEqual({ pid: 4688, comm: 'a b) (c) d', state: 'S', ppid: 1, pgrp: 4678, session: 2474, startTime: '269664', cpuTicks: 13 });
  });

  it('reads a zombie state', () => {
    expect(parseStat(`7 (sleep) Z 1 7 7 ${tail}`)?.state).toBe('Z');
  });

  it('returns undefined for text that is not a stat line', () => {
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('12 (x) S 1 2')).toBeUndefined();
    expect(parseStat('12 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22')).toBeUndefined();
  });
});

describe('readStat', () => {
  it('reads this process', () => {
    const stat = readStat(process.pid);
    expect(stat?.pid).toBe(process.pid);
    expect(stat?.ppid).toBe(process.ppid);
  });

  it('returns undefined for pids that cannot name a process', () => {
    expect(readStat(0)).toBeUndefined();
    expect(readStat(-1)).toBeUndefined();
    expect(readStat(1.5)).toBeUndefined();
  });
});
