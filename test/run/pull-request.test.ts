// `land: pr` against a bare remote, with a stand-in for `gh` on PATH (test/fixtures/fake-gh/gh, which
// answers as gh does, a second pull request for one branch included): one pull request per task, its
// URL in the release record, status and board; and none twice when a worker dies between the push and
// the pull request, or after the pull request and before its URL was recorded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { git, killProcessesIn, readEvents, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { bareRemote, trailerCounts, type Remote } from '../helpers/remote.js';

const fakeGhDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/fake-gh');
const FAST = ['--once', '--land', 'pr', '--rescan-ms', '100', '--monitor-ms', '200', '--stale-after-ms', '1500', '--retry-backoff-ms', '50', '--kill-grace-ms', '300'];

let remote: Remote | undefined;
afterEach(() => {
  if (remote) killProcessesIn(remote.repo);
  remote = undefined;
});

function setup(ids: string[]): { r: Remote; env: Record<string, string>; ghState: string } {
  const r = bareRemote();
  remote = r;
  writeConfig(r.repo, { restartBackoffMs: 100 });
  for (const id of ids) writeTask(r.repo, id, { agent: 'shell', run: `echo ${id} > ${id}.txt`, title: `Add ${id}` }, `Write ${id}.txt.`);
  const ghState = path.join(r.root, 'gh');
  return { r, env: { PATH: `${fakeGhDir}${path.delimiter}${process.env.PATH}`, FAKE_GH_STATE: ghState }, ghState };
}

interface FakePr {
  n: number;
  head: string;
  base: string;
  title: string;
  body: string;
}

function pullRequests(ghState: string): FakePr[] {
  return fs.readdirSync(ghState).filter((f) => /^\d+\.json$/.test(f)).map((f) => JSON.parse(fs.readFileSync(path.join(ghState, f), 'utf8')) as FakePr);
}

/** `gh pr create` calls per head branch. */
function createCalls(ghState: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const line of fs.readFileSync(path.join(ghState, 'calls.log'), 'utf8').split('\n').filter(Boolean)) {
    const args = JSON.parse(line) as string[];
    const head = args[args.indexOf('--head') + 1]!;
    calls[head] = (calls[head] ?? 0) + 1;
  }
  return calls;
}

/** One pull request per task, from `pl/<id>` into main, each branch on origin with the task's work; main untouched. */
function expectOnePrPerTask(r: Remote, ghState: string, ids: string[]): void {
  const prs = pullRequests(ghState);
  expect(prs.map((p) => p.head).sort()).toEqual(ids.map((id) => `pl/${id}`));
  for (const pr of prs) {
    const id = pr.head.slice('pl/'.length);
    expect(pr).toMatchObject({ base: 'main', title: `Add ${id}` });
    expect(pr.body).toContain(`Write ${id}.txt.`);
    expect(git(r.origin, 'show', `pl/${id}:${id}.txt`)).toBe(id);
  }
  expect(tasksIn(r.repo, 'done')).toEqual(ids.map((id) => `${id}.json`));
  expect(trailerCounts(r.origin).size).toBe(0);
  expect(git(r.origin, 'rev-list', '--count', 'main')).toBe('1');
}

/** The URL the done release of a task records. */
function recordedUrl(repo: string, id: string): string | undefined {
  const dir = path.join(repo, '.parallel-loop/claims', id);
  const done = fs.readdirSync(dir).filter((f) => f.endsWith('.released')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))).find((r) => r.outcome === 'done');
  return done?.landing?.url;
}

describe('run --land pr', () => {
  it('opens one pull request per task, its URL in the release, status and board', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const { r, env, ghState } = setup(ids);
    const result = await runCli(r.repo, ['run', '--agents', '2', ...FAST], env);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('target origin/main, land pr');
    expectOnePrPerTask(r, ghState, ids);
    expect(Object.values(createCalls(ghState))).toEqual([1, 1, 1, 1]);
    const byHead = new Map(pullRequests(ghState).map((p) => [p.head, `https://github.example/acme/app/pull/${p.n}`]));
    for (const id of ids) expect(recordedUrl(r.repo, id)).toBe(byHead.get(`pl/${id}`));
    expect(readEvents(r.repo).filter((e) => e.type === 'pr-opened').map((e) => e.type === 'pr-opened' && e.url).sort()).toEqual([...byHead.values()].sort());
    expect(result.stdout).toMatch(/done a: pull request https:\/\/github\.example\/acme\/app\/pull\/\d+/);

    const status = await runCli(r.repo, ['status', '--json']);
    const json = JSON.parse(status.stdout) as { recent: { done: Array<{ task: string; landing: string; url: string }> } };
    expect(json.recent.done.map((d) => [d.task, d.landing, d.url]).sort()).toEqual(ids.map((id) => [id, 'pr', byHead.get(`pl/${id}`)]));
    const board = fs.readFileSync(path.join(r.repo, '.parallel-loop/board.md'), 'utf8');
    for (const id of ids) expect(board).toContain(`- ${id}: pull request ${byHead.get(`pl/${id}`)}`);
  });

  it('a worker killed between the push and the pull request: the task gets its one pull request, none twice', async () => {
    const ids = ['a', 'b', 'c'];
    const { r, env, ghState } = setup(ids);
    const fault = path.join(r.root, 'fault');
    const result = await runCli(r.repo, ['run', '--agents', '2', ...FAST], { ...env, PL_FAULT: 'pr-pushed', PL_FAULT_ONCE: fault });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(fs.readFileSync(fault, 'utf8')).toContain('pr-pushed');
    expectOnePrPerTask(r, ghState, ids);
    // The dead worker never ran gh: each head was asked for once.
    expect(Object.values(createCalls(ghState))).toEqual([1, 1, 1]);
    expect(readEvents(r.repo).filter((e) => e.type === 'reclaimed' || e.type === 'repaired').length).toBeGreaterThanOrEqual(1);
  });

  it('a worker killed after gh opened the pull request, before its URL was kept: gh\'s "already exists" gives the URL, none twice', async () => {
    const ids = ['a', 'b', 'c'];
    const { r, env, ghState } = setup(ids);
    const fault = path.join(r.root, 'fault');
    const result = await runCli(r.repo, ['run', '--agents', '2', ...FAST], { ...env, PL_FAULT: 'pr-created', PL_FAULT_ONCE: fault });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectOnePrPerTask(r, ghState, ids);
    const calls = createCalls(ghState);
    // The task whose worker died was asked for twice; the second answer named the first pull request.
    expect(Object.values(calls).sort()).toEqual([1, 1, 2]);
    const twice = Object.keys(calls).find((h) => calls[h] === 2)!.slice('pl/'.length);
    const pr = pullRequests(ghState).find((p) => p.head === `pl/${twice}`)!;
    expect(recordedUrl(r.repo, twice)).toBe(`https://github.example/acme/app/pull/${pr.n}`);
  });

  it('refuses to start without gh or a prCommand, and names the fix', async () => {
    const { r } = setup(['a']);
    // A PATH with git on it and nothing else.
    const bin = path.join(r.root, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), path.join(bin, 'git'));
    const result = await runCli(r.repo, ['run', ...FAST], { PATH: bin });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('`land: pr` opens pull requests with `gh` by default, and `gh` is not on PATH');
    expect(tasksIn(r.repo, 'inbox')).toEqual(['a.json']);
  });
});
