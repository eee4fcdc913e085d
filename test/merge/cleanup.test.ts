import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitLeftovers } from '../../src/git/commit.js';
import { addAttemptWorktree } from '../../src/git/worktree.js';
import { cleanupAttempt } from '../../src/merge/cleanup.js';
import { landAttempt } from '../../src/merge/land.js';
import { layoutFor, type Layout } from '../../src/queue/layout.js';
import { g, makeRepo } from '../git/fixture.js';

let repo: string;
let cleanup: () => void;
let layout: Layout;
beforeEach(() => {
  ({ repo, cleanup } = makeRepo('pl-cleanup-'));
  layout = layoutFor(repo, { state: '../state' });
});
afterEach(() => cleanup());

describe('cleanupAttempt', () => {
  it('removes the worktree and branch of a landed attempt, and keeps an unlanded branch', async () => {
    const base = g(repo, 'rev-parse', 'main');
    for (const gen of [1, 2]) {
      const wt = await addAttemptWorktree({ repo, layout, taskId: 't', gen, base });
      fs.writeFileSync(path.join(wt.path, `work-${gen}.txt`), 'work\n');
      await commitLeftovers(wt.path, `work ${gen}`);
    }
    expect((await landAttempt({ repo, target: 'main', branch: 'pl/t/1', base, taskId: 't', attempt: 1 })).status).toBe('landed');
    expect(await cleanupAttempt({ repo, layout, taskId: 't', gen: 1, target: 'main' })).toEqual({ worktreeRemoved: true, branchDeleted: true });
    const kept = await cleanupAttempt({ repo, layout, taskId: 't', gen: 2, target: 'main' });
    expect(kept).toMatchObject({ worktreeRemoved: true, branchDeleted: false });
    expect(g(repo, 'branch', '--list', 'pl/*').trim().split(/\s+/)).toEqual(['pl/t/2']);
  });
});
