import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { environHas, processesWithEnv } from '../../src/proc/env-marker.js';

const marker = { name: 'PL_MARK', value: 'abc' };

describe('environHas', () => {
  it('matches a whole entry anywhere in the block', () => {
    expect(environHas(Buffer.from('PL_MARK=abc\0B=1\0'), marker)).toBe(true);
    expect(environHas(Buffer.from('A=1\0PL_MARK=abc\0'), marker)).toBe(true);
    expect(environHas(Buffer.from('A=1\0PL_MARK=abc'), marker)).toBe(true);
  });

  it('does not match a longer name or value', () => {
    expect(environHas(Buffer.from('XPL_MARK=abc\0'), marker)).toBe(false);
    expect(environHas(Buffer.from('PL_MARK=abcd\0'), marker)).toBe(false);
  });
});

describe('processesWithEnv', () => {
  it('finds a process started with the marker, and not this one', async () => {
    const child = spawn('sleep', ['5'], { env: { ...process.env, PL_MARK: 'abc' } });
    try {
      expect(processesWithEnv([child.pid!, process.pid, 999_999_999], marker)).toEqual([child.pid]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
