// The search for the task that breaks a batch, and when a moved target means verifying again.
import { describe, expect, it } from 'vitest';
import { afterProbe, mustReverify, needsConfirm, nextProbe, startSearch, type Search } from '../../src/merge/bisect.js';

/** Runs of a whole search over a batch of `size` whose first failing prefix is `bad` (1-based). */
function search(size: number, bad: number): { found: number; runs: number } {
  let s: Search = startSearch(size);
  let runs = 1;
  for (let probe = nextProbe(s); probe !== undefined; probe = nextProbe(s)) {
    runs++;
    s = afterProbe(s, probe, probe < bad);
  }
  if (needsConfirm(s, size)) runs++;
  return { found: s.failed, runs };
}

describe('bisect', () => {
  it('finds the failing task of a batch in at most 1 + 2·log2(n) runs, wherever it is', () => {
    for (const size of [2, 3, 5, 8, 13]) {
      for (let bad = 1; bad <= size; bad++) {
        const { found, runs } = search(size, bad);
        expect(found).toBe(bad);
        expect(runs).toBeLessThanOrEqual(1 + 2 * Math.log2(size));
      }
    }
  });

  it('confirms the suspect only when the whole batch run alone blamed it', () => {
    expect(needsConfirm({ passed: 4, failed: 5, narrowed: false }, 5)).toBe(true);
    expect(needsConfirm({ passed: 2, failed: 3, narrowed: true }, 5)).toBe(false);
    expect(needsConfirm({ passed: 0, failed: 1, narrowed: false }, 1)).toBe(false);
  });

  it('verifies again after a move only when the new commits changed a file the batch changed, or always', () => {
    expect(mustReverify('touched', ['a.txt'], ['b.txt'])).toBe(false);
    expect(mustReverify('touched', ['a.txt', 'b.txt'], ['b.txt'])).toBe(true);
    expect(mustReverify('always', [], ['b.txt'])).toBe(true);
  });
});
