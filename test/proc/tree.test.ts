import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { descendants, descendantsIn } from '../../src/proc/tree.js';
import type { ProcStat } from '../../src/proc/stat.js';
import { killRecorded, readPids, startFixture, tempDir } from './processes.js';

const proc = (pid: number, ppid: number): ProcStat => ({ pid, ppid, comm: 'x', state: 'S', pgrp: pid, session: 1, startTime: '1', cpuTicks: 0 });

describe('descendantsIn', () => {
  it('finds children and their children, not the root nor unrelated processes', () => {
    const table = [proc(1, 0), proc(10, 1), proc(11, 10), proc(12, 11), proc(13, 10), proc(20, 1)];
    expect(descendantsIn(table, [10]).sort()).toEqual([11, 12, 13]);
    expect(descendantsIn(table, [12])).toEqual([]);
  });

  it('stops on a cycle', () => {
    expect(descendantsIn([proc(2, 3), proc(3, 2)], [2])).toEqual([3]);
  });
});

describe('descendants', () => {
  const temp = tempDir();
  afterEach(() => killRecorded(temp.pidFile));
  afterAll(() => temp.cleanup());

  it('lists the child of a running fixture', async () => {
    const parent = await startFixture('ignore-term.mjs', [], temp.pidFile, 'ready');
    const [, child] = readPids(temp.pidFile);
    expect(descendants(parent.pid!)).toEqual([child]);
    expect(descendants(child!)).toEqual([]);
  });
});
