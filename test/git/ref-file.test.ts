import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchCheckoutsFromFiles, branchTip, branchTipAndTree, hasLinkedWorktrees, headBranchFile, headCommit } from '../../src/git/ref-file.js';
import { listWorktrees } from '../../src/git/worktree-list.js';
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

describe('branchCheckoutsFromFiles', () => {
  // What `git worktree list` says has the branch checked out (prunable entries left out), to compare with.
  const fromGit = async (repo: string, ref: string) => (await listWorktrees(repo)).filter((e) => !e.bare && e.prunable === undefined && e.branch === ref).map((e) => e.path);

  it('names the checkouts of a branch as git does: the main one, linked ones, none for a detached or gone worktree', async () => {
    const repo = tmpRepo();
    const root = tmpDir();
    const [a, b, detached, gone] = ['a', 'b', 'detached', 'gone'].map((n) => path.join(root, n));
    git(repo, 'worktree', 'add', '-q', '-b', 'side', a!);
    git(repo, 'worktree', 'add', '-q', '-b', 'gone-branch', gone!);
    git(repo, 'worktree', 'add', '-q', '--detach', detached!);
    fs.rmSync(gone!, { recursive: true });
    for (const ref of ['refs/heads/main', 'refs/heads/side', 'refs/heads/gone-branch', 'refs/heads/none']) {
      expect(branchCheckoutsFromFiles(repo, ref)).toEqual(await fromGit(repo, ref));
    }
    // Main moved off the branch, a second linked worktree on it, asked from a linked worktree.
    git(repo, 'checkout', '-q', '--detach');
    git(repo, 'worktree', 'add', '-q', b!, 'main');
    expect(branchCheckoutsFromFiles(a!, 'refs/heads/main')).toEqual([b]);
    expect(branchCheckoutsFromFiles(a!, 'refs/heads/main')).toEqual(await fromGit(a!, 'refs/heads/main'));
  });

  it('leaves a repository it cannot read plainly to git', () => {
    const bare = tmpDir();
    git(bare, 'init', '-q', '--bare');
    expect(branchCheckoutsFromFiles(bare, 'refs/heads/main')).toBeUndefined();
    const separate = tmpDir();
    const work = tmpDir();
    git(work, 'init', '-q', '-b', 'main', `--separate-git-dir=${path.join(separate, 'repo.git')}`);
    expect(branchCheckoutsFromFiles(work, 'refs/heads/main')).toBeUndefined();
    const moved = tmpRepo();
    git(moved, 'config', 'core.worktree', tmpDir());
    expect(branchCheckoutsFromFiles(moved, 'refs/heads/main')).toBeUndefined();
  });
});

describe('branchTipAndTree', () => {
  it('reads a loose tip and its tree as git does, and leaves a packed one to git', () => {
    const repo = tmpRepo();
    fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
    git(repo, 'add', 'a.txt');
    git(repo, 'commit', '-q', '-m', 'a');
    const [tip, tree] = git(repo, 'log', '-1', '--format=%H %T', 'main').split(' ');
    expect(branchTipAndTree(repo, 'main')).toEqual({ tip, tree });
    expect(branchTipAndTree(repo, 'none')).toBeUndefined();
    git(repo, 'gc', '-q');
    expect(branchTipAndTree(repo, 'main')).toBeUndefined();
  });
});
