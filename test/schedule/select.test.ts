import { describe, expect, it } from 'vitest';
import { orderCandidates, pickNext, type Candidate, type PickContext } from '../../src/schedule/select.js';

const task = (id: string, touches: string[] = [], dependsOn: string[] = [], priority = 0): Candidate => ({ id, touches, dependsOn, priority });
const MIN = 60_000;
const NOW = 1_000 * MIN;
const ctx = (over: Partial<PickContext> = {}): PickContext => ({ running: [], done: new Set(), failed: new Set(), now: NOW, firstSeen: new Map(), ...over });

describe('pickNext', () => {
  it('picks the first candidate in order when nothing holds it', () => {
    const result = pickNext([task('a'), task('b')], ctx());
    expect(result.task?.id).toBe('a');
    expect(result.blocked).toEqual([]);
  });

  it('waits until every dependency is done, saying where each one is', () => {
    const candidates = [task('c', [], ['a', 'b']), task('b', [], [], 0), task('d', [], ['zzz'])];
    const result = pickNext(candidates, ctx({ running: [{ id: 'a', touches: [] }] }));
    expect(result.task?.id).toBe('b');
    expect(result.blocked).toEqual([{ id: 'c', kind: 'dependency', why: 'waiting for dependency a (running)' }]);

    const later = pickNext(candidates, ctx({ done: new Set(['a']), running: [{ id: 'b', touches: [] }] }));
    expect(later.task).toBeUndefined();
    expect(later.blocked.map((h) => h.why)).toEqual(['waiting for dependency b (running)', 'already running', 'waiting for dependency zzz (not in the queue)']);
  });

  it('fails a task whose dependency failed, and its queued dependents with it', () => {
    const candidates = [task('b', [], ['a']), task('free'), task('c', [], ['b'])];
    const result = pickNext(candidates, ctx({ failed: new Set(['a']) }));
    expect(result.task?.id).toBe('free');
    expect(result.blocked).toEqual([
      { id: 'b', kind: 'failed-dependency', why: 'dependency a failed', fail: true },
      { id: 'c', kind: 'failed-dependency', why: 'dependency b failed', fail: true },
    ]);
  });

  it('skips a task whose touches overlap a running task, naming both globs', () => {
    const running = [{ id: 'r', touches: ['src/**'] }];
    const result = pickNext([task('a', ['src/a.ts']), task('b', ['docs/'])], ctx({ running }));
    expect(result.task?.id).toBe('b');
    expect(result.blocked).toEqual([{ id: 'a', kind: 'conflict', why: 'conflicts with running task r: src/a.ts overlaps src/**' }]);
  });

  it('never holds back a task with empty touches', () => {
    const result = pickNext([task('a', [])], ctx({ running: [{ id: 'r', touches: ['**'] }] }));
    expect(result.task?.id).toBe('a');
  });

  it('promotes a task held back too long: overlapping tasks wait, even of higher priority', () => {
    const starving = task('starving', ['src/**'], [], 5);
    const candidates = [task('urgent', ['src/z.ts'], [], 9), starving, task('docs', ['docs/a.md'], [], 1), task('low', ['src/y.ts'], [], 1)];
    const running = [{ id: 'long', touches: ['src/x.ts'] }];
    const firstSeen = new Map([['starving', NOW - 11 * MIN]]);

    // Before the limit, work that does not touch src/x.ts goes ahead of it.
    expect(pickNext(candidates, ctx({ running, firstSeen, starveAfterMs: 12 * MIN })).task?.id).toBe('urgent');

    const held = pickNext(candidates, ctx({ running, firstSeen }));
    expect(held.task?.id).toBe('docs');
    expect(held.blocked).toEqual([
      { id: 'urgent', kind: 'reserved', why: 'held for starving, which has waited too long: src/z.ts overlaps src/**' },
      { id: 'starving', kind: 'conflict', why: 'conflicts with running task long: src/** overlaps src/x.ts' },
    ]);
    const drained = pickNext(candidates.filter((c) => c.id !== 'docs'), ctx({ running, firstSeen }));
    expect(drained.task).toBeUndefined();
    expect(drained.blocked.map((h) => `${h.id}:${h.kind}`)).toEqual(['urgent:reserved', 'starving:conflict', 'low:reserved']);

    const turn = pickNext(candidates, ctx({ firstSeen }));
    expect(turn).toMatchObject({ task: { id: 'starving' }, reason: 'promoted after 11 min held back by conflicting work' });
  });

  it('between two promoted tasks that overlap, the earlier in order goes first', () => {
    const firstSeen = new Map([['p1', NOW - 20 * MIN], ['p2', NOW - 30 * MIN]]);
    const result = pickNext([task('p1', ['a/**'], [], 2), task('p2', ['a/b.ts'], [], 1)], ctx({ firstSeen }));
    expect(result.task?.id).toBe('p1');
    const blocked = pickNext([task('p2', ['a/b.ts'], [], 1), task('p1', ['a/**'], [], 2)], ctx({ firstSeen }));
    expect(blocked.task?.id).toBe('p2');
  });

  it('does not promote a task that waits for a dependency', () => {
    const firstSeen = new Map([['dependent', NOW - 60 * MIN]]);
    const result = pickNext([task('dependent', ['src/**'], ['x']), task('other', ['src/a.ts'])], ctx({ firstSeen }));
    expect(result.task?.id).toBe('other');
  });

  it('rejects a negative starveAfterMs with a permanent code', () => {
    expect(() => pickNext([task('a')], ctx({ starveAfterMs: -1 }))).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
  });
});

describe('orderCandidates', () => {
  it('sorts by priority desc, then age asc, then name asc, without touching the input', () => {
    const list: Candidate[] = [
      { ...task('old-low'), priority: 0, enqueuedAt: 1 },
      { ...task('b-new'), priority: 5, enqueuedAt: 30 },
      { ...task('a-new'), priority: 5, enqueuedAt: 30 },
      { ...task('unknown-age'), priority: 5 },
      { ...task('oldest'), priority: 5, enqueuedAt: 10 },
    ];
    expect(orderCandidates(list).map((c) => c.id)).toEqual(['oldest', 'a-new', 'b-new', 'unknown-age', 'old-low']);
    expect(list[0]!.id).toBe('old-low');
  });
});
