// An agent slot's worktree handed from attempt to attempt (takeSlotWorktree) in a real repository with real
// claims: made once, switched after, set up again only when its files changed, an unfinished attempt's work
// saved before the switch, and a worktree that cannot be switched set aside whole.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noteSlotCopied, noteSlotSetUp, readSlotRecord, setupDue, takeSlotWorktree, type SlotAttempt } from '../../src/worker/warm-worktree.js';
import { attemptWorktree, layoutFor, slotWorktree, type Layout } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { branchWithFiles, g, makeRepo } from '../git/fixture.js';

let repo: string;
let cleanup: () => void;
let layout: Layout;
let store: QueueStore;
beforeEach(() => {
  ({ repo, cleanup } = makeRepo());
  fs.writeFileSync(path.join(repo, 'package-lock.json'), '{"v":1}\n');
  g(repo, 'add', '-A');
  g(repo, 'commit', '-q', '-m', 'lock file');
  layout = layoutFor(repo);
  store = new QueueStore(layout);
  store.init();
});
afterEach(() => cleanup());

const owner = { agentId: 'agent-1', pid: process.pid, host: os.hostname(), file: 'x.json' };
function attempt(taskId: string, base = g(repo, 'rev-parse', 'main')): SlotAttempt {
  const claimed = store.claims.claim(taskId, owner);
  if (!claimed.ok) throw new Error(`could not claim ${taskId}`);
  return { repo, layout, claims: store.claims, agentId: 'agent-1', taskId, title: `Task ${taskId}`, gen: claimed.gen, attempt: 1, base, keep: ['node_modules'], setup: 'npm ci', setupWhen: ['package-lock.json'], killGraceMs: 300 };
}
const dir = () => slotWorktree(layout, 'agent-1');

describe('takeSlotWorktree', () => {
  it('makes the slot worktree once, then switches it; setup is due when new and when a setupWhen file changed', async () => {
    const t1 = attempt('t1');
    const first = await takeSlotWorktree(t1);
    expect(first).toMatchObject({ dir: dir(), created: true, setupDue: 'new worktree' });
    expect(g(dir(), 'symbolic-ref', 'HEAD')).toBe('refs/heads/pl/t1/1');
    noteSlotCopied(t1, ['.env']);
    await noteSlotSetUp(t1, first, 1200);
    expect(readSlotRecord(layout, 'agent-1')).toMatchObject({ task: 't1', gen: 1, branch: 'pl/t1/1', copied: ['.env'], setup: { hash: first.hash, durationMs: 1200 } });
    store.claims.release('t1', 1, { outcome: 'done' });

    const t2 = attempt('t2');
    const second = await takeSlotWorktree(t2);
    expect(second).toMatchObject({ created: false, setupDue: undefined, hash: first.hash });
    store.claims.release('t2', 1, { outcome: 'done' });

    const bumped = branchWithFiles(repo, 'bumped', 'main', { 'package-lock.json': '{"v":2}\n' });
    const third = await takeSlotWorktree(attempt('t3', bumped));
    expect(third).toMatchObject({ created: false, setupDue: 'setup or setupWhen files changed' });
    // Until that set-up passes, the slot does not count as set up.
    expect(readSlotRecord(layout, 'agent-1')?.setup).toBeUndefined();
  });

  it('saves what an unfinished attempt left before it gives the worktree to the next one, but not what was copied in', async () => {
    const t1 = attempt('t1');
    await takeSlotWorktree(t1);
    fs.writeFileSync(path.join(dir(), '.env'), 'SECRET=1\n');
    noteSlotCopied(t1, ['.env']);
    fs.writeFileSync(path.join(dir(), 'half.txt'), 'half\n');
    // t1's claim is still live: its worker died mid-attempt. t2 comes to the slot.
    const taken = await takeSlotWorktree(attempt('t2'));
    expect(taken.created).toBe(false);
    expect(g(repo, 'show', 'pl/t1/1:half.txt')).toBe('half');
    expect(g(repo, 'log', '-1', '--format=%s', 'pl/t1/1')).toBe('WIP: Task t1');
    expect(g(repo, 'ls-tree', '--name-only', 'pl/t1/1')).not.toContain('.env');
    expect(fs.existsSync(path.join(dir(), 'half.txt'))).toBe(false);
    expect(fs.existsSync(path.join(dir(), '.env'))).toBe(false);
  });

  it('sets a worktree it cannot switch aside, whole, as the folder of the attempt it held, and makes a new one', async () => {
    await takeSlotWorktree(attempt('t1'));
    fs.writeFileSync(path.join(dir(), 'half.txt'), 'half\n');
    // A git killed mid-write left its index lock: nothing can be committed or checked out there.
    fs.writeFileSync(path.join(g(dir(), 'rev-parse', '--absolute-git-dir'), 'index.lock'), '');
    const taken = await takeSlotWorktree(attempt('t2'));
    expect(taken.created).toBe(true);
    expect(taken.setAside).toContain('index.lock');
    const aside = attemptWorktree(layout, 't1', 1);
    expect(fs.readFileSync(path.join(aside, 'half.txt'), 'utf8')).toBe('half\n');
    expect(g(aside, 'symbolic-ref', 'HEAD')).toBe('refs/heads/pl/t1/1');
    expect(g(dir(), 'symbolic-ref', 'HEAD')).toBe('refs/heads/pl/t2/1');
  });

  it('sets aside a folder git no longer knows as a worktree, and makes a new one', async () => {
    await takeSlotWorktree(attempt('t1'));
    fs.writeFileSync(path.join(dir(), 'half.txt'), 'half\n');
    fs.rmSync(g(dir(), 'rev-parse', '--absolute-git-dir'), { recursive: true });
    g(repo, 'worktree', 'prune');
    const taken = await takeSlotWorktree(attempt('t2'));
    expect(taken).toMatchObject({ created: true, setupDue: 'new worktree' });
    expect(taken.setAside).toBeDefined();
    expect(fs.readFileSync(path.join(attemptWorktree(layout, 't1', 1), 'half.txt'), 'utf8')).toBe('half\n');
    expect(g(dir(), 'symbolic-ref', 'HEAD')).toBe('refs/heads/pl/t2/1');
  });
});

describe('setupDue', () => {
  const last = { hash: 'h1', at: '', durationMs: 1, kept: ['node_modules/'] };
  it.each([
    [{ created: true, last, hash: 'h1', kept: ['node_modules/'] }, 'new worktree'],
    [{ created: false, hash: 'h1', kept: [] }, 'not set up yet'],
    [{ created: false, last, hash: 'h2', kept: ['node_modules/'] }, 'setup or setupWhen files changed'],
    [{ created: false, last, hash: 'h1', kept: [] }, 'node_modules/ gone'],
    [{ created: false, last, hash: 'h1', kept: ['node_modules/', 'web/node_modules/'] }, undefined],
  ])('%j: %s', (input, expected) => {
    expect(setupDue(input)).toBe(expected);
  });
});
