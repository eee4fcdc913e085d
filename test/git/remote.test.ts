// Reading what git push and fetch answered: the porcelain lines of a push, and the words git uses when
// the remote refuses credentials. The texts are git 2.39's own, captured from real pushes.
import { describe, expect, it } from 'vitest';
import { parsePushPorcelain, pushOutcome, remoteFailure } from '../../src/git/remote.js';
import { resolveTargetSpec } from '../../src/merge/target.js';
import { bareRemote } from '../helpers/remote.js';

const DST = 'refs/heads/main';
const out = (lines: string[]) => `To /tmp/origin.git\n${lines.join('\n')}\nDone\n`;

describe('pushOutcome', () => {
  it('reads a fast-forward, a forced move and an up-to-date ref as pushed', () => {
    for (const line of [' \tabc:refs/heads/main\tae9ebb2..4eaaa53', '+\tabc:refs/heads/main\tae9ebb2...4eaaa53 (forced update)']) {
      expect(pushOutcome({ stdout: out([line]), stderr: '', exitCode: 0 }, DST)).toEqual({ kind: 'pushed', upToDate: false });
    }
    expect(pushOutcome({ stdout: out(['=\tHEAD:refs/heads/main\t[up to date]']), stderr: '', exitCode: 0 }, DST)).toEqual({ kind: 'pushed', upToDate: true });
  });

  it('reads a lease that did not hold and a non-fast-forward as stale: the remote moved', () => {
    const stderr = "error: failed to push some refs to '/tmp/origin.git'\n";
    expect(pushOutcome({ stdout: out(['!\tabc:refs/heads/main\t[rejected] (stale info)']), stderr, exitCode: 1 }, DST)).toEqual({ kind: 'stale', reason: 'rejected (stale info)' });
    expect(pushOutcome({ stdout: out(['!\tabc:refs/heads/main\t[rejected] (fetch first)']), stderr, exitCode: 1 }, DST).kind).toBe('stale');
  });

  it('reads a refusal of the server as rejected, with what its hook said', () => {
    const stderr = "remote: no pushes today        \nerror: failed to push some refs to '/tmp/origin.git'\n";
    expect(pushOutcome({ stdout: out(['!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)']), stderr, exitCode: 1 }, DST)).toEqual({
      kind: 'rejected',
      reason: 'remote rejected (pre-receive hook declined): no pushes today',
    });
  });

  it('reads an SSH key refusal as auth, and a dropped connection as unknown', () => {
    const ssh = 'git@example.invalid: Permission denied (publickey).\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n';
    expect(pushOutcome({ stdout: '', stderr: ssh, exitCode: 128 }, DST).kind).toBe('auth');
    const dropped = 'send-pack: unexpected disconnect while reading sideband packet\nfatal: the remote end hung up unexpectedly\n';
    expect(pushOutcome({ stdout: '', stderr: dropped, exitCode: 128 }, DST)).toEqual({ kind: 'unknown', message: dropped.trim() });
  });

  it('keeps ref names with colons apart from the separator', () => {
    expect(parsePushPorcelain('*\tpl/a:b:refs/heads/x\t[new branch]')).toEqual([{ flag: '*', from: 'pl/a:b', to: 'refs/heads/x', summary: '[new branch]' }]);
  });
});

describe('remoteFailure', () => {
  it.each([
    ['remote: Permission to acme/app.git denied to bot.\nfatal: unable to access \'https://github.com/acme/app.git/\': The requested URL returned error: 403'],
    ["fatal: could not read Username for 'https://github.com': terminal prompts disabled"],
    ["fatal: Authentication failed for 'https://gitlab.example/acme/app.git/'"],
    ['Host key verification failed.\nfatal: Could not read from remote repository.'],
  ])('names %j a refusal of credentials', (stderr) => {
    expect(remoteFailure(stderr)).toBe('auth');
  });

  it('tells another local git changing refs this instant, and anything else, apart from it', () => {
    expect(remoteFailure("error: cannot lock ref 'refs/parallel-loop/remote/origin/main': Unable to create '/r/.git/refs/parallel-loop/remote/origin/main.lock': File exists.")).toBe('busy');
    // Seen while another worker added an attempt's worktree: the fetch read its HEAD half made.
    expect(remoteFailure('fatal: bad object worktrees/t09.1/HEAD')).toBe('busy');
    expect(remoteFailure("fatal: unable to access 'https://git.example/': Could not resolve host: git.example")).toBe('other');
  });
});

describe('resolveTargetSpec', () => {
  it('reads <remote>/<branch> as a remote only when the remote is configured', async () => {
    const { repo } = bareRemote();
    expect(await resolveTargetSpec(repo, 'origin/main')).toEqual({ remote: 'origin', branch: 'main' });
    expect(await resolveTargetSpec(repo, 'origin/release/2.0')).toEqual({ remote: 'origin', branch: 'release/2.0' });
    expect(await resolveTargetSpec(repo, 'feature/login')).toEqual({ branch: 'feature/login' });
    expect(await resolveTargetSpec(repo, 'main', 'origin')).toEqual({ remote: 'origin', branch: 'main' });
    await expect(resolveTargetSpec(repo, 'main', 'upstream')).rejects.toMatchObject({ code: 'REMOTE_NOT_FOUND', exitCode: 5, message: expect.stringContaining('`upstream`') });
  });
});
