// Attempt counting from the claim history: a `retry` marker restarts the count, the history stays.
import { describe, expect, it } from 'vitest';
import { priorState } from '../../src/worker/history.js';
import { afterAgent } from '../../src/lifecycle/agent-exit.js';
import type { Release } from '../../src/lifecycle/records.js';

const at = '2030-01-01T00:00:00.000Z';
const gen = (n: number, release: Omit<Release, 'at'>) => ({ gen: n, release: { ...release, at } as Release });

describe('priorState', () => {
  it('counts attempts since the last retry marker, keeping the branch to resume and the notes', () => {
    const history = [
      gen(1, { outcome: 'retry', attempted: true, branch: 'pl/t/1', note: { attempt: 1, kind: 'failed', text: 'exit 1' } }),
      gen(2, { outcome: 'failed', attempted: true, branch: 'pl/t/2', note: { attempt: 2, kind: 'conflict', text: 'a.ts' } }),
    ];
    expect(priorState(history)).toMatchObject({ attemptsUsed: 2, hadConflict: true });
    const retried = priorState([...history, gen(3, { outcome: 'retry', attempted: false, resetAttempts: true })]);
    expect(retried).toMatchObject({ attemptsUsed: 0, hadConflict: false, resumeBranch: 'pl/t/2' });
    expect(retried.notes).toHaveLength(2);
    expect(priorState([...history, gen(3, { outcome: 'retry', resetAttempts: true }), gen(4, { outcome: 'retry', attempted: true })]).attemptsUsed).toBe(1);
  });
});

describe('afterAgent', () => {
  it('fails a cancelled attempt for good, and requeues one stopped by a kill', () => {
    expect(afterAgent({ aborted: true, cancelled: true, timedOut: false, signal: 'SIGTERM' }, 1, { maxAttempts: 3, timeoutSec: 60 })).toEqual({ action: 'cancel', reason: 'cancelled by `parallel-loop cancel`' });
    expect(afterAgent({ aborted: true, timedOut: false, signal: 'SIGTERM' }, 1, { maxAttempts: 3, timeoutSec: 60 }).action).toBe('requeue');
  });
});
