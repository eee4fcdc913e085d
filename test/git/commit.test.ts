import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitLeftovers, hasCommitsSince } from '../../src/git/commit.js';
import { g, makeRepo } from './fixture.js';

let repo: string;
let cleanup: () => void;
beforeEach(() => ({ repo, cleanup } = makeRepo()));
afterEach(() => cleanup());

describe('commitLeftovers', () => {
  it('returns undefined when nothing changed', async () => {
    expect(await commitLeftovers(repo, 'nothing')).toBeUndefined();
  });

  it('commits new, changed and deleted files, and returns the commit', async () => {
    const base = g(repo, 'rev-parse', 'HEAD');
    fs.writeFileSync(path.join(repo, 'new.txt'), 'new');
    fs.appendFileSync(path.join(repo, 'README.md'), 'more\n');
    fs.rmSync(path.join(repo, 'shared.txt'));
    const sha = await commitLeftovers(repo, 'leftover changes of fix login');
    expect(sha).toBe(g(repo, 'rev-parse', 'HEAD'));
    expect(g(repo, 'log', '-1', '--format=%s')).toBe('leftover changes of fix login');
    expect(g(repo, 'status', '--porcelain')).toBe('');
    expect(await hasCommitsSince(repo, base)).toBe(true);
    expect(await hasCommitsSince(repo, 'HEAD')).toBe(false);
  });

  it('leaves out excluded paths, and skips commit hooks that would lose the work', async () => {
    fs.writeFileSync(path.join(repo, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    fs.writeFileSync(path.join(repo, 'work.txt'), 'work');
    fs.writeFileSync(path.join(repo, 'copied.env'), 'SECRET');
    expect(await commitLeftovers(repo, 'unfinished work of t', { exclude: ['copied.env'] })).toBeDefined();
    expect(g(repo, 'show', '--name-only', '--format=', 'HEAD')).toBe('work.txt');
    expect(g(repo, 'log', '-1', '--format=%s')).toBe('unfinished work of t');
  });

  it('falls back to the parallel-loop identity when none is configured', async () => {
    g(repo, 'config', '--unset', 'user.name');
    g(repo, 'config', '--unset', 'user.email');
    const saved = { ...process.env };
    Object.assign(process.env, { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });
    for (const name of ['EMAIL', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) delete process.env[name];
    try {
      fs.writeFileSync(path.join(repo, 'x.txt'), 'x');
      await commitLeftovers(repo, 'leftovers');
      expect(g(repo, 'log', '-1', '--format=%an <%ae> / %cn <%ce>')).toBe('parallel-loop <parallel-loop@localhost> / parallel-loop <parallel-loop@localhost>');
    } finally {
      process.env = saved;
    }
  });
});
