import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentCommitMessage, commitLeftovers, hasCommitsSince } from '../../src/git/commit.js';
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
    const message = agentCommitMessage({ taskId: 'fix login', title: 'Fix the\nlogin page', attempt: 2, kind: 'leftover' });
    const sha = await commitLeftovers(repo, message);
    expect(sha).toBe(g(repo, 'rev-parse', 'HEAD'));
    // The task's title as subject; the attempt as a trailer, never the landing trailer.
    expect(g(repo, 'log', '-1', '--format=%s')).toBe('Fix the login page');
    expect(g(repo, 'log', '-1', '--format=%(trailers:only,unfold)').trim()).toBe('Parallel-Loop-Attempt: fix login/2');
    expect(g(repo, 'status', '--porcelain')).toBe('');
    expect(await hasCommitsSince(repo, base)).toBe(true);
    expect(await hasCommitsSince(repo, 'HEAD')).toBe(false);
  });

  it('leaves out excluded paths, and skips commit hooks that would lose the work', async () => {
    fs.writeFileSync(path.join(repo, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    fs.writeFileSync(path.join(repo, 'work.txt'), 'work');
    fs.writeFileSync(path.join(repo, 'copied.env'), 'SECRET');
    expect(await commitLeftovers(repo, agentCommitMessage({ taskId: 't', title: 'Tidy up', attempt: 1, kind: 'wip' }), { exclude: ['copied.env'] })).toBeDefined();
    expect(g(repo, 'show', '--name-only', '--format=', 'HEAD')).toBe('work.txt');
    expect(g(repo, 'log', '-1', '--format=%s')).toBe('WIP: Tidy up');
  });

  it('falls back to the parallel-loop identity when none is configured', async () => {
    g(repo, 'config', '--unset', 'user.name');
    g(repo, 'config', '--unset', 'user.email');
    // Replaced whole, not changed in place: git's environment is built once per process.env (git/repo.ts).
    const saved = process.env;
    const env: NodeJS.ProcessEnv = { ...saved, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    for (const name of ['EMAIL', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) delete env[name];
    process.env = env;
    try {
      fs.writeFileSync(path.join(repo, 'x.txt'), 'x');
      await commitLeftovers(repo, 'leftovers');
      expect(g(repo, 'log', '-1', '--format=%an <%ae> / %cn <%ce>')).toBe('parallel-loop <parallel-loop@localhost> / parallel-loop <parallel-loop@localhost>');
    } finally {
      process.env = saved;
    }
  });
});
