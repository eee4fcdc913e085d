import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/options.js';
import { validateConfig } from '../../src/config/validate.js';

describe('governance options', () => {
  it('default to pausing at 80% CPU or memory, one agent above 90% memory, and five minutes after a rate limit', () => {
    expect(DEFAULTS).toMatchObject({ pauseCpuPercent: 80, pauseMemoryPercent: 80, stepDownMemoryPercent: 90, cpuWindowMs: 30_000, rateLimitPauseMs: 300_000, resourceSampleMs: 2000 });
    expect(DEFAULTS.memoryLimitMb).toBeUndefined();
  });

  it('reports every bad value at once, naming the setting and what was found', () => {
    const { problems, options } = validateConfig({ pauseCpuPercent: 120, pauseMemoryPercent: 0, memoryLimitMb: -5, starveAfterMs: 1.5, stepDownMemoryPercent: 95 });
    expect(problems).toEqual([
      { path: 'pauseCpuPercent', message: 'Expected `pauseCpuPercent` to be a percentage above 0 and at most 100, got `120` (number).' },
      { path: 'pauseMemoryPercent', message: 'Expected `pauseMemoryPercent` to be a percentage above 0 and at most 100, got `0` (number).' },
      { path: 'memoryLimitMb', message: 'Expected `memoryLimitMb` to be a positive number, got `-5` (number).' },
      { path: 'starveAfterMs', message: 'Expected `starveAfterMs` to be a non-negative integer, got `1.5` (number).' },
    ]);
    expect(options).toEqual({ stepDownMemoryPercent: 95 });
  });
});
