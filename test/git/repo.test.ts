import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentBranch, git, parseGitVersion, requireGit, revParse, runGit, versionAtLeast } from '../../src/git/repo.js';
import { g, makeRepo } from './fixture.js';

describe('git version', () => {
  it('parses `git --version` output', () => {
    expect(parseGitVersion('git version 2.39.5\n')).toEqual([2, 39, 5]);
    expect(parseGitVersion('git version 2.38.1.windows.1')).toEqual([2, 38, 1]);
    expect(parseGitVersion('git version 2.40')).toEqual([2, 40, 0]);
    expect(parseGitVersion('not git')).toBeUndefined();
  });

  it('compares versions numerically, not as text', () => {
    expect(versionAtLeast([2, 39, 5], '2.38')).toBe(true);
    expect(versionAtLeast([2, 38, 0], '2.38')).toBe(true);
    expect(versionAtLeast([2, 9, 0], '2.38')).toBe(false);
    expect(versionAtLeast([3, 0, 0], '2.38')).toBe(true);
  });

  it('accepts the installed git and refuses a too-new minimum with GIT_TOO_OLD', async () => {
    await expect(requireGit()).resolves.toMatch(/^\d+\.\d+\.\d+$/);
    await expect(requireGit('99.0')).rejects.toMatchObject({ code: 'GIT_TOO_OLD', exitCode: 4 });
  });
});

describe('git runner', () => {
  let repo: string;
  let cleanup: () => void;
  beforeEach(() => ({ repo, cleanup } = makeRepo()));
  afterEach(() => cleanup());

  it('returns stdout without the final newline', async () => {
    expect(await git(repo, ['rev-parse', 'HEAD'])).toBe(g(repo, 'rev-parse', 'HEAD'));
  });

  it('throws GIT_FAILED naming the command and git\'s message', async () => {
    const err = await git(repo, ['rev-parse', '--verify', 'no-such-ref']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GIT_FAILED' });
    expect((err as Error).message).toContain('git rev-parse --verify no-such-ref');
    expect((err as Error).message).toContain('Needed a single revision');
  });

  it('passes arguments without a shell', async () => {
    const weird = '$(touch pwned); `id` "quoted" \'single\'';
    const { stdout } = await runGit(repo, ['log', '-1', `--format=tformat:${weird}`]);
    expect(stdout.trim()).toBe(weird);
  });

  it('resolves commits and branches', async () => {
    expect(await revParse(repo, 'main')).toBe(g(repo, 'rev-parse', 'main'));
    expect(await revParse(repo, 'nope')).toBeUndefined();
    expect(await currentBranch(repo)).toBe('main');
    g(repo, 'checkout', '-q', '--detach');
    expect(await currentBranch(repo)).toBeUndefined();
  });
});
