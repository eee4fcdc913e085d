// Which ready tasks land together: the front of the landing queue, one way of landing, touches apart.
import { describe, expect, it } from 'vitest';
import { chooseBatch, landingOrder } from '../../src/schedule/batch.js';

const t = (id: string, since: string, touches: string[] = [], key = 'npm test') => ({ id, since, touches, key });

describe('chooseBatch', () => {
  it('takes the oldest ready tasks first, up to the batch size', () => {
    const ready = [t('c', '2026-01-01T00:00:03Z'), t('a', '2026-01-01T00:00:01Z'), t('b', '2026-01-01T00:00:02Z')];
    expect(landingOrder(ready).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(chooseBatch(ready, 2).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('never puts two tasks whose touches overlap in one batch; the one left out waits its turn', () => {
    const ready = [t('a', '1', ['src/**']), t('b', '2', ['src/x.ts']), t('c', '3', ['docs/**'])];
    expect(chooseBatch(ready, 8).map((r) => r.id)).toEqual(['a', 'c']);
    expect(chooseBatch(ready.slice(1), 8).map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('batches only tasks that land the same way as the first', () => {
    const ready = [t('a', '1', [], 'npm test'), t('b', '2', [], 'make check'), t('c', '3', [], 'npm test')];
    expect(chooseBatch(ready, 8).map((r) => r.id)).toEqual(['a', 'c']);
  });

  it('an empty queue is an empty batch', () => {
    expect(chooseBatch([], 8)).toEqual([]);
  });
});
