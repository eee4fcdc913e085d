import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchTip, hasLinkedWorktrees, headBranchFile, headCommit } from '../../src/git/ref-file.js';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('branchTip', () => {
  it('reads a loose branch, a branch with slashes, and a packed one as git does', async () => {
    const repo = tmpRepo();
    git(repo, 'branch', 'pl/fix-login/1');
    const tip = git(repo, 'rev-parse', 'main');
    expect(await branchTip(repo, 'main')).toBe(tip);
    expect(await branchTip(repo, 'pl/fix-login/1')).toBe(tip);
    // No loose file left: git answers.
    git(repo, 'pack-refs', '--all');
    expect(fs.existsSync(path.join(repo, '.git/refs/heads/main'))).toBe(false);
    expect(await branchTip(repo, 'main')).toBe(tip);
  });

  it('sees a moved branch at once, and no branch where there is none', async () => {
    const repo = tmpRepo();
    fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
    git(repo, 'add', 'a.txt');
    git(repo, 'commit', '-q', '-m', 'a');
    expect(await branchTip(repo, 'main')).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(await branchTip(repo, 'nope')).toBeUndefined();
    expect(await branchTip(repo, '../HEAD')).toBeUndefined();
  });

  it('reads the branches of the main repository from a linked worktree', async () => {
    const repo = tmpRepo();
    const wt = path.join(tmpDir(), 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', wt);
    expect(await branchTip(wt, 'main')).toBe(git(repo, 'rev-parse', 'main'));
  });
});

describe('headCommit', () => {
  it('gives the commit just made in a linked worktree, and a detached HEAD', async () => {
    const repo = tmpRepo();
    const wt = path.join(tmpDir(), 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'pl/t/1', wt);
    fs.writeFileSync(path.join(wt, 'b.txt'), 'b\n');
    git(wt, 'add', 'b.txt');
    git(wt, 'commit', '-q', '-m', 'b');
    expect(await headCommit(wt)).toBe(git(wt, 'rev-parse', 'HEAD'));
    git(wt, 'checkout', '-q', '--detach', 'main');
    expect(await headCommit(wt)).toBe(git(repo, 'rev-parse', 'main'));
    expect(await headCommit(repo)).toBe(git(repo, 'rev-parse', 'HEAD'));
  });
});

describe('hasLinkedWorktrees', () => {
  it('is false for a repository with none, true once one is added, false again after it is removed', () => {
    const repo = tmpRepo();
    expect(hasLinkedWorktrees(repo)).toBe(false);
    const wt = path.join(tmpDir(), 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', wt);
    expect(hasLinkedWorktrees(repo)).toBe(true);
    expect(hasLinkedWorktrees(wt)).toBe(true);
    git(repo, 'worktree', 'remove', wt);
    expect(hasLinkedWorktrees(repo)).toBe(false);
  });

  it('is true for a folder whose git layout cannot be read plainly', () => {
    expect(hasLinkedWorktrees(tmpDir())).toBe(true);
  });
});

describe('headBranchFile', () => {
  it('names the branch checked out as git symbolic-ref does, in the repository and a linked worktree, and null when detached', () => {
    const repo = tmpRepo();
    const wt = path.join(tmpDir(), 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'pl/t1/1', wt);
    expect(headBranchFile(repo)).toBe(git(repo, 'symbolic-ref', 'HEAD'));
    expect(headBranchFile(wt)).toBe('refs/heads/pl/t1/1');
    git(wt, 'checkout', '-q', '--detach');
    expect(headBranchFile(wt)).toBeNull();
    expect(headBranchFile(tmpDir())).toBeUndefined();
  });
});
