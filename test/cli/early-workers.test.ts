import { describe, expect, it } from 'vitest';
import { earlyWorkers } from '../../src/cli/early-workers.js';

describe('earlyWorkers', () => {
  it('is N for run --agents N, in either spelling', () => {
    expect(earlyWorkers(['run', '--agents', '4', '--once'])).toBe(4);
    expect(earlyWorkers(['run', '--once', '--agents=8'])).toBe(8);
  });

  it('is 0 for other commands, no --agents, a bad count, or a run that forks nothing', () => {
    expect(earlyWorkers(['status', '--agents', '4'])).toBe(0);
    expect(earlyWorkers(['run', '--once'])).toBe(0);
    expect(earlyWorkers(['run', '--agents', 'three'])).toBe(0);
    expect(earlyWorkers(['run', '--agents', '0'])).toBe(0);
    expect(earlyWorkers(['run', '--agents', '4', '--single'])).toBe(0);
    expect(earlyWorkers(['run', '--agents', '4', '--in-place'])).toBe(0);
    expect(earlyWorkers(['run', '--agents', '4', '--help'])).toBe(0);
  });
});
