// Several hosts on one queue and state folder, on this one machine: each supervisor names its host
// (--host-id) and numbers its own agents; a state folder outside the clone keeps the worktrees on the clone.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { waitFor } from '../proc/processes.js';
import type { Status } from '../../src/status/types.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const fast = ['--rescan-ms', '100', '--retry-backoff-ms', '50'];

describe('run: agents per host', () => {
  it('numbers each host\'s agents from 1 under its name, and status lists them by host', async () => {
    repo = tmpRepo();
    const go = path.join(tmpDir('pl-go-'), 'go');
    const ids = ['t1', 't2', 't3', 't4', 't5', 't6'];
    for (const id of ids) writeTask(repo, id, { agent: 'shell', run: `while [ ! -e '${go}' ]; do sleep 0.05; done; echo ${id} > ${id}.txt` });
    const runs = ['a', 'b'].map((host) => startCli(repo, ['run', '--agents', '2', '--once', '--host-id', host, ...fast]));
    // Both hold their slots before any task may end: neither drains the queue and lets go of them first.
    await waitFor(() => readEvents(repo).filter((e) => e.type === 'agent-spawned').length === 4, 20_000);
    const during = JSON.parse((await runCli(repo, ['status', '--json'])).stdout) as Status;
    fs.writeFileSync(go, '');
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);

    const spawned = readEvents(repo).filter((e) => e.type === 'agent-spawned').map((e) => e.agent);
    expect(spawned.sort()).toEqual(['a/agent-1', 'a/agent-2', 'b/agent-1', 'b/agent-2']);
    expect(fs.readdirSync(path.join(repo, '.parallel-loop/agents')).sort()).toEqual(['a', 'b']);
    expect(fs.readdirSync(path.join(repo, '.parallel-loop/slots/a')).sort()).toEqual(['agent-1', 'agent-2']);
    // One machine: one host in the status, its agents in id order.
    expect(during.agents.map((a) => a.id)).toEqual(['a/agent-1', 'a/agent-2', 'b/agent-1', 'b/agent-2']);
    expect(during.hosts).toHaveLength(1);
    expect(tasksIn(repo, 'done')).toEqual(ids.map((id) => `${id}.json`));
    const subjects = git(repo, 'log', '--first-parent', '--format=%s', 'main').split('\n');
    for (const id of ids) expect(subjects.filter((s) => s.startsWith(`Land task ${id}:`))).toHaveLength(1);
  });

  it('refuses a host id that is not a plain name', async () => {
    repo = tmpRepo();
    const r = await runCli(repo, ['run', '--once', '--host-id', '../x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('`--host-id` (hostId)');
  });
});

describe('run: a state folder outside the clone', () => {
  it('keeps the worktrees on the clone, out of git status, and lands every task', async () => {
    repo = tmpRepo();
    const shared = tmpDir('pl-shared-');
    const queue = path.join(shared, 'queue');
    const state = path.join(shared, 'state');
    fs.mkdirSync(queue, { mode: 0o755 });
    for (const id of ['a', 'b']) fs.writeFileSync(path.join(queue, `${id}.json`), JSON.stringify({ prompt: `Task ${id}`, agent: 'shell', run: `echo ${id} > ${id}.txt` }));
    const r = await runCli(repo, ['run', '--agents', '2', '--once', '--queue', queue, '--state', state, ...fast]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(fs.readdirSync(path.join(queue, 'done')).sort()).toEqual(['a.json', 'b.json']);
    expect(fs.existsSync(path.join(state, 'worktrees'))).toBe(false);
    const worktrees = git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice('worktree '.length));
    // The agents' warm worktrees, one per slot.
    expect(worktrees.slice(1).map((w) => path.relative(fs.realpathSync(repo), w)).sort()).toEqual(['.parallel-loop/worktrees/agent-1', '.parallel-loop/worktrees/agent-2']);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'show', 'main:a.txt')).toBe('a');
  });
});
