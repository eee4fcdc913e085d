// Runs that land on a shared remote: a bare repository `origin.git` on local disk, the run in a clone of
// it. Every task lands on origin/main exactly once; a person's pushes meanwhile are kept; a hook that
// refuses once costs a retry, not a task; refused credentials stop landing with their message and keep
// every branch, and the next run lands the kept work without running the agents again.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLandings } from '../../src/merge/audit.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { git, killProcessesIn, readEvents, runCli, startCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { bareRemote, cloneOf, hook, refusePushAuth, trailerCounts, type Remote } from '../helpers/remote.js';

let remote: Remote | undefined;
afterEach(() => {
  if (remote) killProcessesIn(remote.repo);
  remote = undefined;
});

const FAST = ['--once', '--rescan-ms', '100', '--monitor-ms', '200', '--retry-backoff-ms', '50'];

function shellTasks(repo: string, ids: string[], run = (id: string) => `echo ${id} > ${id}.txt`): void {
  writeConfig(repo, { restartBackoffMs: 100 });
  for (const id of ids) writeTask(repo, id, { agent: 'shell', run: run(id) });
}

/** Every task of the queue in done/, its trailer once on origin/main, and I5 holds against the remote. */
async function expectAllLandedOnce(r: Remote, ids: string[]): Promise<void> {
  expect(tasksIn(r.repo, 'done')).toEqual(ids.map((id) => `${id}.json`).sort());
  expect(Object.fromEntries(trailerCounts(r.origin))).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
  const tree = git(r.origin, 'ls-tree', '--name-only', 'main').split('\n');
  for (const id of ids) expect(tree).toContain(`${id}.txt`);
  expect(await auditLandings(new QueueStore(layoutFor(r.repo)), 'main', { repo: r.origin })).toEqual([]);
}

/**
 * Push as a person does: rebase onto what landed meanwhile and push, again while landings keep winning
 * the race (a merging pull would put origin/main's own line, landings included, on the second-parent side).
 */
function pushLikeAPerson(clone: string): void {
  for (let tries = 1; ; tries++) {
    git(clone, 'pull', '-q', '--rebase', 'origin', 'main');
    try {
      git(clone, 'push', '-q', 'origin', 'HEAD:main');
      return;
    } catch (err) {
      if (tries >= 20) throw err;
    }
  }
}

/** Worktrees other than the main checkout and the agents' warm ones (`worktrees/agent-<n>`). */
function attemptWorktrees(repo: string): string[] {
  const all = git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).slice(1);
  return all.filter((l) => !/\/worktrees\/agent-\d+$/.test(l));
}

describe('run: target origin/main', () => {
  it('12 tasks on 4 agents land on origin/main exactly once; the local main and checkout are untouched', async () => {
    remote = bareRemote();
    const ids = Array.from({ length: 12 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
    // Long enough that all four agents get work even when some start late on a loaded machine.
    shellTasks(remote.repo, ids, (id) => `sleep 0.5; echo ${id} > ${id}.txt`);
    const localMain = git(remote.repo, 'rev-parse', 'main');
    const result = await runCli(remote.repo, ['run', '--agents', '4', '--target', 'origin/main', ...FAST]);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('target origin/main, land merge');
    await expectAllLandedOnce(remote, ids);
    expect(new Set(readEvents(remote.repo).filter((e) => e.type === 'landed').map((e) => e.agent)).size).toBeGreaterThan(1);
    expect(readEvents(remote.repo).filter((e) => e.type === 'landed').every((e) => e.target === 'origin/main')).toBe(true);
    expect(git(remote.repo, 'rev-parse', 'main')).toBe(localMain);
    expect(git(remote.repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    // Landed attempts leave no worktree of their own and no branch behind (the agents' warm worktrees stay for their next tasks).
    expect(attemptWorktrees(remote.repo), result.stdout).toEqual([]);
    expect(git(remote.repo, 'branch', '--list', 'pl/*')).toBe('');
  });

  it('a person pushing to origin/main during the run is kept, and the run still lands everything', async () => {
    remote = bareRemote();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    shellTasks(remote.repo, ids, (id) => `sleep 0.4; echo ${id} > ${id}.txt`);
    const person = cloneOf(remote.origin, path.join(remote.root, 'person'));
    const run = startCli(remote.repo, ['run', '--agents', '2', '--remote', 'origin', '--target', 'main', ...FAST]);
    // Before the first landing, after it, and after the third.
    for (const [n, landed] of [[1, 0], [2, 1], [3, 3]] as const) {
      await run.waitForOutput(landed === 0 ? 'working on' : new RegExp(`(: landed [0-9a-f]+[\\s\\S]*){${landed}}`));
      fs.writeFileSync(path.join(person, `person-${n}.txt`), `${n}\n`);
      git(person, 'add', '-A');
      git(person, 'commit', '-qm', `person ${n}`);
      pushLikeAPerson(person);
    }
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    await expectAllLandedOnce(remote, ids);
    const history = git(remote.origin, 'log', '--format=%s', 'main').split('\n');
    for (const n of [1, 2, 3]) expect(history).toContain(`person ${n}`);
    const tree = git(remote.origin, 'ls-tree', '--name-only', 'main').split('\n');
    for (const n of [1, 2, 3]) expect(tree).toContain(`person-${n}.txt`);
  });

  it('starts each attempt from the fetched remote tip, not from the clone\'s stale main', async () => {
    remote = bareRemote();
    // Pushed by someone else after the clone was made: the clone's main and origin/main know nothing of it.
    const other = cloneOf(remote.origin, path.join(remote.root, 'other'));
    fs.writeFileSync(path.join(other, 'needed.txt'), 'needed\n');
    git(other, 'add', '-A');
    git(other, 'commit', '-qm', 'needed');
    git(other, 'push', '-q', 'origin', 'HEAD:main');
    shellTasks(remote.repo, ['uses'], () => 'test -f needed.txt && echo ok > uses.txt');
    const result = await runCli(remote.repo, ['run', '--agents', '1', '--target', 'origin/main', ...FAST]);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const started = readEvents(remote.repo).find((e) => e.type === 'attempt-started');
    expect(started?.type === 'attempt-started' && started.base).toBe(git(other, 'rev-parse', 'HEAD'));
    await expectAllLandedOnce(remote, ['uses']);
  });

  it('a push refused once by a pre-receive hook is tried again and lands once', async () => {
    remote = bareRemote();
    const log = path.join(remote.root, 'hook.log');
    hook(remote.origin, 'pre-receive', `#!/bin/sh\nif [ ! -e '${log}' ]; then echo refused > '${log}'; echo "busy, try again" >&2; exit 1; fi\necho accepted >> '${log}'\n`);
    shellTasks(remote.repo, ['a', 'b', 'c']);
    const result = await runCli(remote.repo, ['run', '--agents', '2', '--target', 'origin/main', ...FAST]);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    await expectAllLandedOnce(remote, ['a', 'b', 'c']);
    expect(fs.readFileSync(log, 'utf8').split('\n')[0]).toBe('refused');
    // The refusal cost one landing a second try, and no task an attempt.
    expect(readEvents(remote.repo).filter((e) => e.type === 'attempt-started')).toHaveLength(3);
    const tries = ['a', 'b', 'c'].map((id) => JSON.parse(fs.readFileSync(path.join(remote!.repo, '.parallel-loop/claims', id, '1.released'), 'utf8')).landing.tries as number);
    expect(Math.max(...tries)).toBeGreaterThanOrEqual(2);
  });

  it('refused credentials stop landing with the message (exit 4), keep every branch, and the next run lands them', async () => {
    remote = bareRemote();
    refusePushAuth(remote.repo, remote.root);
    const ids = ['a', 'b', 'c', 'd'];
    shellTasks(remote.repo, ids);
    const result = await runCli(remote.repo, ['run', '--agents', '2', '--target', 'origin/main', ...FAST]);

    expect(result.code, result.stdout + result.stderr).toBe(4);
    expect(result.stderr).toContain('landing stopped (REMOTE_AUTH_FAILED): git could not push to origin: git@git.example.invalid: Permission denied (publickey)');
    expect(result.stderr).toContain('The branches are kept');
    // Nothing failed, nothing reached the remote, and the work of every attempt that ran is on its branch.
    expect(tasksIn(remote.repo, 'failed')).toEqual([]);
    expect(tasksIn(remote.repo, 'done')).toEqual([]);
    expect(trailerCounts(remote.origin).size).toBe(0);
    const ran = readEvents(remote.repo).filter((e) => e.type === 'attempt-started').map((e) => e.task!);
    expect(ran.length).toBeGreaterThan(0);
    for (const id of ran) expect(git(remote.repo, 'show', `pl/${id}/1:${id}.txt`)).toBe(id);
    expect(readEvents(remote.repo).filter((e) => e.type === 'failed')).toEqual([]);

    // Credentials fixed: the kept work lands without its agents running again.
    git(remote.repo, 'config', '--unset', 'remote.origin.pushurl');
    const again = await runCli(remote.repo, ['run', '--agents', '2', '--target', 'origin/main', ...FAST]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    await expectAllLandedOnce(remote, ids);
    const started = readEvents(remote.repo).filter((e) => e.type === 'attempt-started').map((e) => e.task);
    expect(started.sort()).toEqual(ids);
    // The kept attempts' worktrees and branches go once they landed, as any landed attempt's do.
    expect(git(remote.repo, 'branch', '--list', 'pl/*')).toBe('');
    expect(attemptWorktrees(remote.repo)).toEqual([]);
  });

  it('a worker killed after its push, before its release: the reclaimer finds the landing on the remote, and nothing runs or lands twice', async () => {
    remote = bareRemote();
    shellTasks(remote.repo, ['a', 'b']);
    const fault = path.join(remote.root, 'fault');
    const result = await runCli(remote.repo, ['run', '--agents', '2', '--target', 'origin/main', ...FAST, '--stale-after-ms', '1500'], { PL_FAULT: 'before-release', PL_FAULT_ONCE: fault });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(fs.readFileSync(fault, 'utf8')).toContain('before-release');
    await expectAllLandedOnce(remote, ['a', 'b']);
    expect(readEvents(remote.repo).filter((e) => e.type === 'attempt-started')).toHaveLength(2);
    expect(readEvents(remote.repo).filter((e) => e.type === 'already-landed')).toHaveLength(1);
  });

  it('`undo --target origin/main` reverts a task on the remote, pushed with a lease; the clone\'s main is untouched', async () => {
    remote = bareRemote();
    shellTasks(remote.repo, ['a', 'b']);
    const localMain = git(remote.repo, 'rev-parse', 'main');
    expect((await runCli(remote.repo, ['run', '--agents', '2', '--target', 'origin/main', ...FAST])).code).toBe(0);
    const undo = await runCli(remote.repo, ['undo', 'a', '--target', 'origin/main']);
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(/^reverted a on origin\/main: [0-9a-f]{8} reverts [0-9a-f]{8}$/m);
    expect(git(remote.origin, 'log', '-1', '--format=%s', 'main')).toBe('Revert task a');
    expect(git(remote.origin, 'ls-tree', '--name-only', 'main').split('\n')).toEqual(expect.arrayContaining(['b.txt']));
    expect(git(remote.origin, 'ls-tree', '--name-only', 'main').split('\n')).not.toContain('a.txt');
    expect(git(remote.repo, 'rev-parse', 'main')).toBe(localMain);
    // The config's remote names the same target; the task's newest landing is undone already.
    writeConfig(remote.repo, { remote: 'origin', target: 'main' });
    const again = await runCli(remote.repo, ['undo', 'a']);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('Task a has no landing on origin/main to undo (or its last landing is already undone).');
    // A push the remote refuses is said in its words, and nothing moves.
    hook(remote.origin, 'pre-receive', '#!/bin/sh\necho "main is frozen for the release" >&2\nexit 1\n');
    const tip = git(remote.origin, 'rev-parse', 'main');
    const refused = await runCli(remote.repo, ['undo', 'b']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('main is frozen for the release');
    expect(git(remote.origin, 'rev-parse', 'main')).toBe(tip);
  });

  it('with verify, a lander killed after its batch landed: the reclaimer finds the landings, and no ready copy is left on the remote', async () => {
    remote = bareRemote();
    const ids = ['v1', 'v2', 'v3', 'v4'];
    shellTasks(remote.repo, ids);
    const once = path.join(remote.root, 'fault-once');
    const env = { PL_FAULT: 'batch-landed', PL_FAULT_ONCE: once };
    const result = await runCli(remote.repo, ['run', '--agents', '2', '--target', 'origin/main', '--verify', 'true', '--stale-after-ms', '1500', ...FAST], env);
    expect(fs.existsSync(once), 'the fault fired').toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await expectAllLandedOnce(remote, ids);
    expect(readEvents(remote.repo).some((e) => e.type === 'reclaimed')).toBe(true);
    // Each ready branch was pushed to the remote for other hosts, and its copy went once the task was done.
    expect(git(remote.origin, 'for-each-ref', 'refs/parallel-loop/')).toBe('');
  });

  it('with verify, a worker killed after pushing its ready copy, before its release: the task runs again, lands once, and both copies go', async () => {
    remote = bareRemote();
    shellTasks(remote.repo, ['w1']);
    const once = path.join(remote.root, 'fault-once');
    const env = { PL_FAULT: 'before-release', PL_FAULT_ONCE: once };
    const result = await runCli(remote.repo, ['run', '--agents', '1', '--target', 'origin/main', '--verify', 'true', '--stale-after-ms', '1500', ...FAST], env);
    expect(fs.existsSync(once), 'the fault fired').toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await expectAllLandedOnce(remote, ['w1']);
    expect(readEvents(remote.repo).filter((e) => e.type === 'ready' && e.task === 'w1').length).toBe(1);
    expect(git(remote.origin, 'for-each-ref', 'refs/parallel-loop/')).toBe('');
  });

  it('refuses at start when the remote branch does not exist, or the remote is not configured', async () => {
    remote = bareRemote();
    const missing = await runCli(remote.repo, ['run', '--once', '--target', 'origin/nope']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('The target branch "nope" does not exist on the remote origin');
    const unknown = await runCli(remote.repo, ['run', '--once', '--remote', 'upstream', '--target', 'main']);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain('The remote `upstream` (option `remote`) is not configured');
    // A remote that refuses even the fetch: exit 4 before any agent works.
    refusePushAuth(remote.repo, remote.root);
    git(remote.repo, 'config', 'remote.origin.url', 'ssh://git@git.example.invalid/shared.git');
    shellTasks(remote.repo, ['a']);
    const refused = await runCli(remote.repo, ['run', '--once', '--target', 'origin/main']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('git could not fetch from origin: git@git.example.invalid: Permission denied (publickey)');
    expect(tasksIn(remote.repo, 'inbox')).toEqual(['a.json']);
  });
});
