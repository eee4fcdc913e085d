import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { activePause, isBlockingRateLimit, pauseUntil, readPause, writePause } from '../../src/governance/pause.js';
import { tmpDir } from '../helpers/tmp.js';

const now = Date.parse('2030-01-01T12:00:00Z');

describe('rate-limit pauses', () => {
  it('pauses for limits that stop work, not for ones the agent retries by itself', () => {
    expect(isBlockingRateLimit({ kind: 'rate-limit', summary: 'limit', isError: true })).toBe(true);
    expect(isBlockingRateLimit({ kind: 'rate-limit', summary: 'limit' })).toBe(true);
    expect(isBlockingRateLimit({ kind: 'rate-limit', summary: 'retrying', isError: false })).toBe(false);
    expect(isBlockingRateLimit({ kind: 'rate-limit', summary: 'retrying', isError: false, resetAt: '2030-01-01T13:00:00Z' })).toBe(true);
    expect(isBlockingRateLimit({ kind: 'error', summary: 'boom', isError: true })).toBe(false);
  });

  it('resumes at the reported reset when it lies ahead, else after the configured pause', () => {
    expect(pauseUntil({ kind: 'rate-limit', summary: '', resetAt: '2030-01-01T12:30:00Z' }, now, 60_000)).toBe(now + 30 * 60_000);
    expect(pauseUntil({ kind: 'rate-limit', summary: '', resetAt: '2030-01-01T11:00:00Z' }, now, 60_000)).toBe(now + 60_000);
    expect(pauseUntil({ kind: 'rate-limit', summary: '' }, now, 300_000)).toBe(now + 300_000);
  });

  it('keeps the longer of two pauses and ignores an expired one', () => {
    const dir = tmpDir();
    const later = new Date(Date.now() + 60_000).toISOString();
    const sooner = new Date(Date.now() + 1_000).toISOString();
    writePause(dir, { until: later, reason: 'first', agent: 'agent-1', at: '' });
    expect(writePause(dir, { until: sooner, reason: 'second', agent: 'agent-2', at: '' }).reason).toBe('first');
    expect(readPause(dir)?.reason).toBe('first');
    expect(activePause(readPause(dir), Date.now())?.until).toBe(later);
    expect(activePause(readPause(dir), Date.parse(later) + 1)).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'pause.json'), '{ torn');
    expect(activePause(readPause(dir), Date.now())).toBeUndefined();
  });
});
