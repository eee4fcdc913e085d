// Files copied into each worktree (--copy, .worktreeinclude) are local set-up: the agent sees them,
// but they never reach a commit, and the queue and state folders are never copied.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, runCli, tasksIn, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

describe('run --copy', () => {
  it('gives the agent the copied files without committing them', async () => {
    repo = tmpRepo();
    // Untracked and not ignored, so only the exclusion keeps `git add -A` from committing it.
    fs.writeFileSync(path.join(repo, '.env'), 'SECRET=1\n');
    writeTask(repo, 'uses-env', { agent: 'shell', run: 'cut -d= -f1 .env > seen.txt; ls -a queue .parallel-loop > listing.txt 2>&1 || true' });
    // Branch mode: a committed .env would make a merge wait on the checkout's own untracked .env.
    const args = ['run', '--agents', '1', '--once', '--rescan-ms', '100', '--land', 'branch', '--copy', '.env', '--copy', '*.json'];
    const result = await runCli(repo, args);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['uses-env.json']);
    expect(git(repo, 'show', 'pl/uses-env/1:seen.txt')).toBe('SECRET');
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'pl/uses-env/1').split('\n').sort()).toEqual(['README.md', 'listing.txt', 'seen.txt']);
    // `*.json` matched task files and claims too, but neither folder was copied into the worktree.
    expect(git(repo, 'show', 'pl/uses-env/1:listing.txt')).toMatch(/queue.*No such file.*\n.*\.parallel-loop.*No such file/);
  });
});
