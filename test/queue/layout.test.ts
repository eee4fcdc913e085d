// Where the worktrees and their lock go: under the state folder as always, but on the clone when the
// state folder is elsewhere (shared by several hosts), or wherever --worktrees says.
import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../src/queue/layout.js';

describe('layoutFor: worktrees', () => {
  it.each([
    // [case, options, worktrees, locks]
    ['the standard layout', {}, '/r/.parallel-loop/worktrees', '/r/.parallel-loop/locks'],
    ['a state folder inside the repository', { state: '.pl' }, '/r/.pl/worktrees', '/r/.pl/locks'],
    ['a shared state folder: worktrees stay on the clone', { state: '/mnt/shared/state', queue: '/mnt/shared/queue' }, '/r/.parallel-loop/worktrees', '/r/.parallel-loop/worktrees/.locks'],
    ['--worktrees on local disk', { state: '/mnt/shared/state', worktrees: '/var/lib/pl/wt' }, '/var/lib/pl/wt', '/var/lib/pl/wt/.locks'],
    ['--worktrees relative to the repository', { worktrees: 'wt' }, '/r/wt', '/r/wt/.locks'],
  ] as const)('%s', (_name, options, worktrees, locks) => {
    const layout = layoutFor('/r', options);
    expect(layout.worktrees).toBe(worktrees);
    expect(layout.locks).toBe(locks);
  });

  it('keeps every other path under the state folder it is given', () => {
    const layout = layoutFor('/r', { state: '/mnt/shared/state', worktrees: '/var/wt' });
    expect([layout.claims, layout.agents, layout.events]).toEqual(['/mnt/shared/state/claims', '/mnt/shared/state/agents', '/mnt/shared/state/events.jsonl']);
  });
});
