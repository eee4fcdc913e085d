// Landing on a branch of a remote (a bare repository on local disk): the push with a lease is the
// compare-and-swap. A person's push in between, a hook that refuses once, a push whose answer is lost
// after the server took it, and refused credentials, each with the remote's history checked after.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { landAttempt, type LandOptions } from '../../src/merge/land.js';
import { fetchedRef, remoteTarget, type LandTarget } from '../../src/merge/target.js';
import { branchWithFiles, g } from '../git/fixture.js';
import { bareRemote, cloneOf, hook, refusePushAuth, trailerCounts } from '../helpers/remote.js';

function setup() {
  const remote = bareRemote({ 'README.md': '# shared\n', 'shared.txt': 'one\ntwo\nthree\n' });
  const base = g(remote.repo, 'rev-parse', 'origin/main');
  const opts = (taskId: string, extra: Partial<LandOptions> = {}): LandOptions => ({
    repo: remote.repo, target: 'main', remote: 'origin', branch: `pl/${taskId}/1`, base, taskId, title: `Title of ${taskId}`, attempt: 1, ...extra,
  });
  return { ...remote, base, opts };
}

/** A person's commit pushed to origin/main from a clone of their own. */
function personPushes(origin: string, root: string, file: string): string {
  const dir = path.join(root, `person-${file}`);
  if (!fs.existsSync(dir)) cloneOf(origin, dir);
  g(dir, 'pull', '-q', '--ff-only', 'origin', 'main');
  fs.writeFileSync(path.join(dir, file), `${file}\n`);
  g(dir, 'add', file);
  g(dir, 'commit', '-qm', `person: ${file}`);
  g(dir, 'push', '-q', 'origin', 'HEAD:main');
  return g(dir, 'rev-parse', 'HEAD');
}

describe('landAttempt on a remote', () => {
  it('pushes the landing to origin/main and leaves the local main and every checkout alone', async () => {
    const s = setup();
    branchWithFiles(s.repo, 'pl/a/1', s.base, { 'a.txt': 'a' });
    const result = await landAttempt(s.opts('a'));
    expect(result).toMatchObject({ status: 'landed', tries: 1, previous: s.base, checkouts: [] });
    if (result.status !== 'landed') throw new Error(result.status);
    expect(g(s.origin, 'rev-parse', 'main')).toBe(result.commit);
    expect(g(s.origin, 'show', 'main:a.txt')).toBe('a');
    expect(g(s.repo, 'rev-parse', 'main')).toBe(s.base);
    expect(g(s.repo, 'status', '--porcelain')).toBe('');
    // The private ref follows the push; no backup ref is made for a remote.
    expect(g(s.repo, 'rev-parse', fetchedRef('origin', 'main'))).toBe(result.commit);
    expect(result.backupRef).toBeUndefined();
    expect(trailerCounts(s.origin).get('a')).toBe(1);
  });

  it('lands the same task once when two landers race to push it, and two tasks once each', async () => {
    const s = setup();
    for (const id of ['a', 'b']) branchWithFiles(s.repo, `pl/${id}/1`, s.base, { [`${id}.txt`]: id });
    // No turns: every lander fetches, merges and pushes at once, and only the lease decides.
    const results = await Promise.all([landAttempt(s.opts('a', { serialize: false })), landAttempt(s.opts('a', { serialize: false })), landAttempt(s.opts('b', { serialize: false }))]);
    expect(results.map((r) => r.status).sort()).toEqual(['already-landed', 'landed', 'landed']);
    expect(Object.fromEntries(trailerCounts(s.origin))).toEqual({ a: 1, b: 1 });
    expect(g(s.origin, 'ls-tree', '--name-only', 'main').split('\n').sort()).toEqual(['README.md', 'a.txt', 'b.txt', 'shared.txt']);
  });

  it('a second lander of the task that makes the very same commit (same second) and finds it pushed reports already-landed', async () => {
    const s = setup();
    branchWithFiles(s.repo, 'pl/a/1', s.base, { 'a.txt': 'a' });
    // One instant for both landing commits, as when two landers of one task commit within the same second.
    // Replaced whole, not changed in place: git's environment is built once per process.env (git/repo.ts).
    const saved = process.env;
    process.env = { ...saved, GIT_AUTHOR_DATE: '2030-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2030-01-01T00:00:00Z' };
    try {
      const first = await landAttempt(s.opts('a'));
      expect(first.status).toBe('landed');
      const real = remoteTarget(s.repo, 'origin', 'main');
      let stale = 2;
      // Its first fetches (the check before the loop, the first try) ran before the first lander's push: they saw the old tip.
      const late: LandTarget = { ...real, readTip: async () => (stale-- > 0 ? { tip: s.base } : real.readTip()) };
      const second = await landAttempt(s.opts('a', { landTarget: late }));
      expect(second).toEqual({ status: 'already-landed', commit: first.status === 'landed' ? first.commit : '' });
    } finally {
      process.env = saved;
    }
    expect(trailerCounts(s.origin).get('a')).toBe(1);
  });

  it('a person pushing between the fetch and the push loses nothing: the lease refuses, the lander merges again', async () => {
    const s = setup();
    branchWithFiles(s.repo, 'pl/a/1', s.base, { 'a.txt': 'a' });
    const real = remoteTarget(s.repo, 'origin', 'main');
    let person = '';
    // The person's push comes right before the lander's own, after it read and merged onto the old tip.
    const racing: LandTarget = {
      ...real,
      advance: async (request) => {
        if (!person) person = personPushes(s.origin, s.root, 'person.txt');
        return real.advance(request);
      },
    };
    const result = await landAttempt(s.opts('a', { landTarget: racing }));
    expect(result).toMatchObject({ status: 'landed', tries: 2, previous: person });
    expect(g(s.origin, 'log', '--first-parent', '--format=%s', 'main').split('\n')).toEqual(['Land task a: Title of a', 'person: person.txt', 'initial']);
    expect(g(s.origin, 'ls-tree', '--name-only', 'main').split('\n').sort()).toEqual(['README.md', 'a.txt', 'person.txt', 'shared.txt']);
  });

  it('a push refused by a pre-receive hook is tried again and lands once', async () => {
    const s = setup();
    const marker = path.join(s.root, 'refused-once');
    hook(s.origin, 'pre-receive', `#!/bin/sh\nif [ ! -e '${marker}' ]; then : > '${marker}'; echo "busy: try again" >&2; exit 1; fi\nexit 0\n`);
    branchWithFiles(s.repo, 'pl/a/1', s.base, { 'a.txt': 'a' });
    const result = await landAttempt(s.opts('a'));
    expect(result).toMatchObject({ status: 'landed', tries: 2 });
    expect(fs.existsSync(marker)).toBe(true);
    expect(trailerCounts(s.origin).get('a')).toBe(1);
  });

  it('a hook that always refuses ends in PUSH_REJECTED with its words, after maxTries, and nothing pushed', async () => {
    const s = setup();
    hook(s.origin, 'pre-receive', '#!/bin/sh\necho "main is frozen for the release" >&2\nexit 1\n');
    branchWithFiles(s.repo, 'pl/a/1', s.base, { 'a.txt': 'a' });
    await expect(landAttempt(s.opts('a', { maxTries: 3 }))).rejects.toMatchObject({
      code: 'PUSH_REJECTED',
      message: expect.stringMatching(/origin\/main refused the push: remote rejected \(pre-receive hook declined\): main is frozen for the release \(each of 3 tries\)/),
    });
    expect(g(s.origin, 'rev-parse', 'main')).toBe(s.base);
  });

  it('a push whose answer is lost after the server took it is found on the next try and not pushed twice', async () => {
    const s = setup();
    const dropped = path.join(s.root, 'dropped');
    // Once main has moved on the server, the receiving end dies before it can report: the client sees a hang-up.
    hook(s.origin, 'reference-transaction', `#!/bin/sh\n[ "$1" = committed ] || exit 0\ngrep -q ' refs/heads/main$' || exit 0\n[ -e '${dropped}' ] && exit 0\n: > '${dropped}'\nkill -9 $PPID\n`);
    branchWithFiles(s.repo, 'pl/a/1', s.base, { 'a.txt': 'a' });
    const result = await landAttempt(s.opts('a'));
    expect(fs.existsSync(dropped)).toBe(true);
    expect(result.status).toBe('already-landed');
    expect(result.status === 'already-landed' && result.commit).toBe(g(s.origin, 'rev-parse', 'main'));
    expect(trailerCounts(s.origin).get('a')).toBe(1);
    expect(g(s.origin, 'rev-list', '--count', 'main')).toBe('3');
  });

  it('refused credentials throw REMOTE_AUTH_FAILED with what the remote said, and nothing moves', async () => {
    const s = setup();
    refusePushAuth(s.repo, s.root);
    branchWithFiles(s.repo, 'pl/a/1', s.base, { 'a.txt': 'a' });
    await expect(landAttempt(s.opts('a'))).rejects.toMatchObject({
      code: 'REMOTE_AUTH_FAILED',
      exitCode: 4,
      message: expect.stringContaining('git could not push to origin: git@git.example.invalid: Permission denied (publickey)'),
    });
    expect(g(s.origin, 'rev-parse', 'main')).toBe(s.base);
    expect(g(s.repo, 'rev-parse', 'pl/a/1~1')).toBe(s.base);
  });

  it('names a missing remote branch TARGET_NOT_FOUND', async () => {
    const s = setup();
    branchWithFiles(s.repo, 'pl/a/1', s.base, { 'a.txt': 'a' });
    await expect(landAttempt(s.opts('a', { target: 'nope' }))).rejects.toMatchObject({ code: 'TARGET_NOT_FOUND', message: expect.stringContaining('does not exist on the remote origin') });
  });
});
