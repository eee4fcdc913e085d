import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { hostBootId, isAlive, isSameProcess, processStartTime } from '../../src/proc/start-time.js';

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid!;
}

describe('processStartTime', () => {
  it('gives a stable start time for a running process', () => {
    const first = processStartTime(process.pid);
    expect(first).toMatch(/^\d+$/);
    expect(processStartTime(process.pid)).toBe(first);
  });

  it('gives undefined for a dead pid', async () => {
    expect(processStartTime(await deadPid())).toBeUndefined();
  });
});

describe('isSameProcess', () => {
  it('is true for a live process with its own start time', () => {
    expect(isSameProcess(process.pid, processStartTime(process.pid)!)).toBe(true);
  });

  it('is false when the start time differs, as for a reused pid', () => {
    const wrong = String(Number(processStartTime(process.pid)) + 1);
    expect(isSameProcess(process.pid, wrong)).toBe(false);
  });

  it('is false for a dead pid', async () => {
    expect(isSameProcess(await deadPid(), '1')).toBe(false);
  });
});

describe('isAlive', () => {
  it('sees this process and pid 1 (EPERM or not), not a dead pid nor a bad one', async () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(1)).toBe(true);
    expect(isAlive(await deadPid())).toBe(false);
    expect(isAlive(0)).toBe(false);
    expect(isAlive(-1)).toBe(false);
  });
});

describe('hostBootId', () => {
  it('is this boot’s uuid', () => {
    expect(hostBootId()).toMatch(/^[0-9a-f-]{36}$/);
  });
});
