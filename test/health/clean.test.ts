// `parallel-loop clean` on a queue holding every kind of leftover: a landed task, a failed one with
// unmerged work, a waiting task whose branch its next attempt resumes, and a running one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, killProcessesIn, runCli, writeTask } from '../helpers/run-cli.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { Slots } from '../../src/supervisor/slots.js';
import { FAST, repoWithTasks } from './fixture.js';

const repos: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) killProcessesIn(repo);
});

const branches = (repo: string) => git(repo, 'for-each-ref', '--format=%(refname:strip=2)', 'refs/heads/pl/').split('\n').filter(Boolean).sort();
const worktrees = (repo: string) => fs.readdirSync(path.join(repo, '.parallel-loop/worktrees')).sort();
const claimDirs = (repo: string) => fs.readdirSync(path.join(repo, '.parallel-loop/claims')).sort();

/** A repository after one run (a landed, b failed with a WIP commit), plus a waiting task w and a running task r made by hand. */
async function leftovers(): Promise<string> {
  const repo = repoWithTasks({ a: 'echo done > a.txt', b: 'echo wip > b.txt; exit 1' }, 1);
  repos.push(repo);
  // A worktree per attempt: what each attempt leaves is its own (warm worktrees are tested below).
  const run = await runCli(repo, ['run', '--agents', '2', '--once', '--worktree-mode', 'fresh', ...FAST]);
  expect(run.code, run.stdout + run.stderr).toBe(1);
  // The landed attempt's branch went as it landed; put back a merged one, as a crash before that clean-up leaves it.
  git(repo, 'branch', 'pl/a/1', 'main~1');
  const store = new QueueStore(layoutFor(repo));
  const owner = { agentId: 'agent-7', pid: process.pid, host: os.hostname() };
  // w: attempt 1 failed and was sent back; its next attempt resumes from pl/w/1.
  writeTask(repo, 'w', { agent: 'shell', run: 'true' });
  expect(store.claims.claim('w', { ...owner, file: 'w.json' }).ok).toBe(true);
  git(repo, 'branch', 'pl/w/1', 'main');
  git(repo, 'worktree', 'add', '-q', '.parallel-loop/worktrees/w.1', 'pl/w/1');
  fs.writeFileSync(path.join(repo, '.parallel-loop/worktrees/w.1/w.txt'), 'half\n');
  git(path.join(repo, '.parallel-loop/worktrees/w.1'), 'add', '-A');
  git(path.join(repo, '.parallel-loop/worktrees/w.1'), 'commit', '-q', '-m', 'WIP w');
  store.claims.release('w', 1, { outcome: 'retry', attempted: true, branch: 'pl/w/1' }, 'agent-7');
  // r: running now, its claim live.
  writeTask(repo, 'r', { agent: 'shell', run: 'true' });
  store.move('r.json', 'inbox', 'running');
  expect(store.claims.claim('r', { ...owner, file: 'r.json' }).ok).toBe(true);
  git(repo, 'worktree', 'add', '-q', '-b', 'pl/r/1', '.parallel-loop/worktrees/r.1', 'main');
  return repo;
}

describe('parallel-loop clean', () => {
  it('removes what finished attempts left, keeps live, resumable and unmerged work, and says why', async () => {
    const repo = await leftovers();
    expect(branches(repo)).toEqual(['pl/a/1', 'pl/b/1', 'pl/r/1', 'pl/w/1']);
    expect(worktrees(repo)).toEqual(['b.1', 'r.1', 'w.1']);
    // A change to a tracked file in the failed attempt's worktree: not ours to throw away.
    fs.writeFileSync(path.join(repo, '.parallel-loop/worktrees/b.1/README.md'), 'edited\n');

    const dry = await runCli(repo, ['clean', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.removed.map((i: { kind: string; name: string }) => `${i.kind} ${i.name}`).sort()).toEqual(['branch pl/a/1', 'worktree .parallel-loop/worktrees/w.1']);
    expect(branches(repo)).toHaveLength(4);

    const first = await runCli(repo, ['clean']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('removed branch pl/a/1: task a is done; merged into main');
    expect(first.stdout).toContain('kept worktree .parallel-loop/worktrees/b.1: it has uncommitted changes to tracked files');
    expect(first.stdout).toContain('kept branch pl/w/1: task w is waiting; its next attempt starts from this branch');
    expect(first.stdout).toContain('kept branch pl/r/1: task r is running: generation 1 holds the live claim');
    expect(first.stdout).toContain('kept the claim history of 1 finished task released within --older-than 7d');
    expect(branches(repo)).toEqual(['pl/b/1', 'pl/r/1', 'pl/w/1']);
    expect(worktrees(repo)).toEqual(['b.1', 'r.1']);

    git(path.join(repo, '.parallel-loop/worktrees/b.1'), 'checkout', '--', 'README.md');
    const second = await runCli(repo, ['clean', '--older-than', '0']);
    expect(second.stdout).toContain('removed worktree .parallel-loop/worktrees/b.1: task b is failed');
    expect(second.stdout).toContain('kept branch pl/b/1: it has commits that main does not contain; pass --force to delete it');
    expect(second.stdout).toContain('kept claim history of b: its branch pl/b/1 is kept');
    expect(second.stdout).toContain('removed claim history of a');
    expect(claimDirs(repo)).toEqual(['b', 'r', 'w']);

    const forced = await runCli(repo, ['clean', '--force', '--older-than', '0', '--json']);
    const report = JSON.parse(forced.stdout);
    expect(report.removed.map((i: { name: string }) => i.name).sort()).toEqual(['b', 'pl/b/1']);
    // Even --force keeps the live attempt and the branch a waiting task resumes from.
    expect(branches(repo)).toEqual(['pl/r/1', 'pl/w/1']);
    expect(claimDirs(repo)).toEqual(['r', 'w']);
    expect(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length).toBe(2);
  });

  it('refuses an --older-than that is not a duration', async () => {
    const repo = repoWithTasks({});
    repos.push(repo);
    const result = await runCli(repo, ['clean', '--older-than', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected --older-than to be a duration such as 7d, 12h or 0, got `soon`');
  });
});

describe('parallel-loop clean with warm worktrees', () => {
  it('keeps a slot\'s worktree while a run holds the slot, and removes it once none does', async () => {
    const repo = repoWithTasks({});
    repos.push(repo);
    writeTask(repo, 'a', { agent: 'shell', run: 'echo a > a.txt', priority: 2 });
    writeTask(repo, 'b', { agent: 'shell', run: 'echo wip > b.txt; exit 1', maxAttempts: 1 });
    const run = await runCli(repo, ['run', '--agents', '1', '--once', ...FAST]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    // The slot's worktree stays, on the failed attempt's branch; the landed branch went.
    expect(worktrees(repo)).toEqual(['agent-1']);
    expect(branches(repo)).toEqual(['pl/b/1']);

    // A run holds the slot (this process, as its supervisor): its worktree and the branch checked out there stay.
    const slots = new Slots(layoutFor(repo), 'sup-test');
    expect(slots.acquire(1)).toEqual([{ agentId: 'agent-1', slot: 1 }]);
    const held = JSON.parse((await runCli(repo, ['clean', '--force', '--json'])).stdout);
    expect(held.kept).toEqual(
      expect.arrayContaining([
        { kind: 'worktree', name: '.parallel-loop/worktrees/agent-1', task: 'b', agent: 'agent-1', reason: "agent-1's warm worktree; a run holds the slot" },
        { kind: 'branch', name: 'pl/b/1', task: 'b', reason: "it is checked out in agent-1's warm worktree, which is kept" },
      ]),
    );
    slots.releaseAll();

    fs.writeFileSync(path.join(repo, '.parallel-loop/worktrees/agent-1/README.md'), 'edited\n');
    const dirty = await runCli(repo, ['clean']);
    expect(dirty.stdout).toContain('kept worktree .parallel-loop/worktrees/agent-1: it has uncommitted changes to tracked files');
    expect(dirty.stdout).toContain("kept branch pl/b/1: it is checked out in agent-1's warm worktree, which is kept");

    git(path.join(repo, '.parallel-loop/worktrees/agent-1'), 'checkout', '--', 'README.md');
    const free = await runCli(repo, ['clean']);
    expect(free.stdout).toContain("removed worktree .parallel-loop/worktrees/agent-1: agent-1's warm worktree; no run holds the slot");
    expect(free.stdout).toContain('kept branch pl/b/1: it has commits that main does not contain; pass --force to delete it');
    expect(worktrees(repo)).toEqual([]);
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect((await runCli(repo, ['clean', '--force'])).stdout).toContain('removed branch pl/b/1');
    expect(branches(repo)).toEqual([]);
  });
});
