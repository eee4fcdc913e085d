import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killTree } from '../../src/proc/kill-tree.js';
import { processStartTime } from '../../src/proc/start-time.js';
import { readStat } from '../../src/proc/stat.js';
import { expectAllGone, isRunning, killRecorded, readPids, startFixture, tempDir, waitFor } from './processes.js';

describe('killTree', () => {
  const temp = tempDir();
  afterEach(() => {
    killRecorded(temp.pidFile);
    temp.cleanup();
    Object.assign(temp, tempDir());
  });
  afterAll(() => temp.cleanup());

  it('ends a process that stops on SIGTERM without forcing', async () => {
    const child = await startFixture('hang.mjs', [], temp.pidFile, 'hanging');
    const result = await killTree(child.pid!, { graceMs: 300 });
    expect(result).toEqual({ killed: [child.pid], forced: false });
    await expectAllGone(readPids(temp.pidFile));
  });

  it('forces a tree that ignores SIGTERM after the grace period', async () => {
    const child = await startFixture('ignore-term.mjs', [], temp.pidFile, 'ready');
    const pids = readPids(temp.pidFile);
    expect(pids).toHaveLength(2);
    const started = Date.now();
    const result = await killTree(child.pid!, { graceMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(result.forced).toBe(true);
    expect(result.killed.sort()).toEqual([...pids].sort());
    await expectAllGone(pids);
  });

  it('reaches a child in its own session and group through the parent', async () => {
    const child = await startFixture('ignore-term.mjs', ['--detached'], temp.pidFile, 'ready');
    const pids = readPids(temp.pidFile);
    const result = await killTree(child.pid!, { graceMs: 300 });
    expect(result.killed.sort()).toEqual([...pids].sort());
    await expectAllGone(pids);
  });

  it('kills what is left of a group whose leader exited, and marked escapees', async () => {
    const env = { PL_TEST_MARK: String(process.pid) };
    const forker = await startFixture('forker.mjs', [], temp.pidFile, 'forked', true, env);
    const startTime = processStartTime(forker.pid!);
    await waitFor(() => forker.exitCode !== null);
    const grandchildren = readPids(temp.pidFile).slice(1);
    const result = await killTree(forker.pid!, { graceMs: 300, startTime, marker: { name: 'PL_TEST_MARK', value: env.PL_TEST_MARK } });
    expect(result.killed.sort()).toEqual([...grandchildren].sort());
    await expectAllGone(grandchildren);
  });

  it('without a marker, leaves a process that escaped the group after its parent exited', async () => {
    const forker = await startFixture('forker.mjs', [], temp.pidFile, 'forked');
    await waitFor(() => forker.exitCode !== null);
    const grandchildren = readPids(temp.pidFile).slice(1);
    const inGroup = grandchildren.filter((pid) => readStat(pid)?.pgrp === forker.pid);
    expect(inGroup).toHaveLength(1);
    const result = await killTree(forker.pid!, { graceMs: 300 });
    expect(result.killed).toEqual(inGroup);
    expect(grandchildren.filter(isRunning)).toEqual(grandchildren.filter((pid) => !inGroup.includes(pid)));
  });

  it('does nothing for a pid that is gone, or reused by another process', async () => {
    const child = await startFixture('hang.mjs', [], temp.pidFile, 'hanging');
    expect(await killTree(child.pid!, { graceMs: 300, startTime: '1' })).toEqual({ killed: [], forced: false });
    await killTree(child.pid!, { graceMs: 300 });
    await waitFor(() => child.exitCode !== null || child.signalCode !== null);
    expect(await killTree(child.pid!, { graceMs: 300 })).toEqual({ killed: [], forced: false });
  });

  it('refuses pids that would signal everything, or this process', async () => {
    for (const pid of [0, 1, -5, 2.5, process.pid]) {
      await expect(killTree(pid)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    }
    await expect(killTree(99999, { graceMs: -1 })).rejects.toThrow('Expected the `graceMs` option to be a non-negative integer, got `-1` (number)');
  });
});
