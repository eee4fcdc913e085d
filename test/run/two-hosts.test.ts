// Two hosts on one queue, on this machine: each a UTS, PID and mount namespace of its own (its own host
// name, its own processes), with its own clone and worktrees, sharing one queue and state folder and one
// bare remote. One host is killed whole mid-run; the other reclaims its tasks after staleAfter, by their
// silent heartbeats, and every task lands on the remote exactly once.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcessesIn, processesIn, writeConfig } from '../helpers/run-cli.js';
import { bareRemote, cloneOf, trailerCounts } from '../helpers/remote.js';
import { auditLandings } from '../../src/merge/audit.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { readEvents as readEventLog } from '../../src/events/log.js';
import type { Status } from '../../src/status/types.js';
import { waitFor } from '../proc/processes.js';
import { killHost, noNamespaces, runAsHost, startHost, type Host } from '../helpers/hosts.js';

if (noNamespaces) console.warn(`two-host tests skipped: ${noNamespaces}`);

const TASKS = 24;
const AGENTS = 3;
const STALE_AFTER_MS = 1500;
// Short enough for the test suite, long enough for two hosts on two busy cores.
const TIMINGS = { heartbeatMs: 250, staleAfterMs: STALE_AFTER_MS, monitorMs: 200, rescanMs: 150, retryBackoffMs: 50, restartBackoffMs: 100, killGraceMs: 300, pauseCpuPercent: 100, pauseMemoryPercent: 100 };

interface World {
  root: string;
  origin: string;
  queue: string;
  state: string;
  clones: Record<string, string>;
  worktrees: Record<string, string>;
}

/** A bare remote, a shared queue and state folder, and one clone per host with the run's timings in its config. */
function world(hosts: string[]): World {
  const { root, origin } = bareRemote();
  const shared = path.join(root, 'shared');
  const queue = path.join(shared, 'queue');
  const state = path.join(shared, 'state');
  fs.mkdirSync(queue, { recursive: true, mode: 0o755 });
  const clones: Record<string, string> = {};
  const worktrees: Record<string, string> = {};
  for (const host of hosts) {
    fs.mkdirSync(path.join(root, host));
    const clone = cloneOf(origin, path.join(root, host, 'clone'));
    writeConfig(clone, TIMINGS);
    clones[host] = clone;
    worktrees[host] = path.join(root, host, 'worktrees');
  }
  return { root, origin, queue, state, clones, worktrees };
}

/** Tasks of a fraction of a second, which wait while the file `hold` exists (so the test can catch agents at work). */
function addTasks(w: World, ids: string[], hold: string): void {
  const tmp = path.join(w.queue, '.tmp');
  fs.mkdirSync(tmp, { recursive: true });
  for (const id of ids) {
    const run = `while [ -e '${hold}' ]; do sleep 0.05; done; sleep 0.2; echo ${id} > ${id}.txt`;
    fs.writeFileSync(path.join(tmp, `${id}.json`), JSON.stringify({ prompt: `Task ${id}`, agent: 'shell', run }));
    fs.renameSync(path.join(tmp, `${id}.json`), path.join(w.queue, `${id}.json`));
  }
}

function runArgs(w: World, host: string, extra: string[] = []): string[] {
  return ['run', '--repo', w.clones[host]!, '--queue', w.queue, '--state', w.state, '--worktrees', w.worktrees[host]!, '--host-id', host, '--agents', String(AGENTS), '--target', 'origin/main', ...extra];
}

function heartbeatsOf(w: World, host: string): Array<{ agentId: string; phase: string; task?: string }> {
  const dir = path.join(w.state, 'agents', host);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((agent) => {
    try {
      return [JSON.parse(fs.readFileSync(path.join(dir, agent, 'heartbeat.json'), 'utf8'))];
    } catch {
      return [];
    }
  });
}

const doneIds = (w: World) => (fs.existsSync(path.join(w.queue, 'done')) ? fs.readdirSync(path.join(w.queue, 'done')).filter((n) => n.endsWith('.json') && !n.endsWith('.error.json')) : []);

let hosts: Host[] = [];
let made: World | undefined;
afterEach(() => {
  for (const h of hosts) h.child.kill('SIGKILL');
  if (made) killProcessesIn(made.root);
  hosts = [];
  made = undefined;
});

describe('two hosts on one queue', () => {
  it.skipIf(noNamespaces !== undefined)('one host killed whole mid-run: the other reclaims its tasks after staleAfter and every task lands once', async () => {
    const w = (made = world(['host-a', 'host-b']));
    const ids = Array.from({ length: TASKS }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
    const hold = path.join(w.root, 'hold');
    addTasks(w, ids, hold);
    const a = startHost('host-a', w.clones['host-a']!, runArgs(w, 'host-a'));
    const b = startHost('host-b', w.clones['host-b']!, runArgs(w, 'host-b', ['--once']));
    hosts = [a, b];

    // Once both hosts have landed some, hold every agent that starts a task: then kill host a while each
    // of its agents is in the middle of one.
    await waitFor(() => doneIds(w).length >= 6, 60_000);
    fs.writeFileSync(hold, '');
    await waitFor(() => heartbeatsOf(w, 'host-a').filter((h) => h.phase === 'agent').length === AGENTS, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}: host a ${JSON.stringify(heartbeatsOf(w, 'host-a'))}, ${doneIds(w).length} done\n${a.stdout}\n${a.stderr}\n${b.stdout}\n${b.stderr}`);
    });
    // And no landing still in flight behind them (a task stays in running/ until it has landed): a host
    // killed mid-push would leave the bare remote's ref lock behind, which no server-side process clears
    // (docs/DEPLOY.md, "A shared bare repository").
    const inRunning = () => fs.readdirSync(path.join(w.queue, 'running')).filter((n) => n.endsWith('.json')).length;
    const atWork = () => ['host-a', 'host-b'].flatMap((h) => heartbeatsOf(w, h)).filter((h) => h.phase === 'agent').length;
    await waitFor(() => inRunning() === atWork(), 60_000);
    const held = heartbeatsOf(w, 'host-a').map((h) => h.task).filter((t): t is string => typeof t === 'string');
    const killedAt = Date.now();
    const processes = await killHost(a);
    expect(processes).toBeGreaterThan(AGENTS);
    fs.rmSync(hold);

    const end = await b.done;
    expect(end.code, b.stdout + b.stderr).toBe(0);

    // Every task done once, none left anywhere else.
    expect(doneIds(w).sort()).toEqual(ids.map((id) => `${id}.json`));
    for (const dir of ['.', 'running', 'failed', 'rejected']) {
      const inDir = fs.existsSync(path.join(w.queue, dir)) ? fs.readdirSync(path.join(w.queue, dir)).filter((n) => n.endsWith('.json')) : [];
      expect(inDir, dir).toEqual([]);
    }
    // Each exactly once on the remote, its file in the tree; done/ and the remote agree (I5).
    expect(Object.fromEntries(trailerCounts(w.origin))).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    const tree = execFileSync('git', ['ls-tree', '--name-only', 'main'], { cwd: w.origin, encoding: 'utf8' }).split('\n');
    for (const id of ids) expect(tree).toContain(`${id}.txt`);
    expect(await auditLandings(new QueueStore(layoutFor(w.clones['host-b']!, { queue: w.queue, state: w.state })), 'main', { repo: w.origin })).toEqual([]);
    // Host a's tasks were reclaimed by host b's monitors, judged by their heartbeats, after staleAfter.
    const events = readEventLog(path.join(w.state, 'events.jsonl'));
    const reclaims = events.filter((e) => e.type === 'reclaimed' && String(e.from).startsWith('host-a/'));
    expect(reclaims.map((e) => e.task).sort()).toEqual(expect.arrayContaining(held.sort()));
    for (const e of reclaims) {
      expect(String(e.agent)).toMatch(/^host-b\//);
      expect(String(e.reason)).toMatch(/heartbeat of host-a\/agent-\d .* unchanged/);
      // The monitor dates a heartbeat by when it saw it change, so the last beat it saw may be up to one
      // beat before the kill: the reclaim comes staleAfter after that, not after the kill itself.
      expect(Date.parse(e.time) - killedAt).toBeGreaterThanOrEqual(STALE_AFTER_MS - TIMINGS.heartbeatMs - 100);
    }
    // Each host's worktrees (its agents' warm ones) are on its own side, none in the shared folder.
    expect(fs.existsSync(path.join(w.state, 'worktrees'))).toBe(false);
    for (const host of ['host-a', 'host-b']) expect(fs.readdirSync(path.join(w.worktrees[host]!, host)).sort()).toEqual(['agent-1', 'agent-2', 'agent-3']);
    // Nothing of either host runs any more.
    expect([...processesIn(w.root)]).toEqual([]);

    // status on the surviving host: the whole queue, host a's agents stale, host b's gone (its run ended).
    const status = JSON.parse((await runAsHost('host-b', w.clones['host-b']!, ['status', '--json', '--queue', w.queue, '--state', w.state])).stdout) as Status;
    expect(status.counts.done).toBe(TASKS);
    expect(status.hosts.map((h) => h.host)).toEqual(['host-a', 'host-b']);
    const byHost = (host: string) => status.agents.filter((x) => x.host === host);
    expect(byHost('host-a').map((x) => [x.id, x.alive, x.stale])).toEqual([1, 2, 3].map((n) => [`host-a/agent-${n}`, null, true]));
    expect(byHost('host-b').map((x) => [x.id, x.alive])).toEqual([1, 2, 3].map((n) => [`host-b/agent-${n}`, false]));
  }, 180_000);

  it.skipIf(noNamespaces !== undefined)('with verify (the merge queue), each host\'s lander lands the tasks its agents made ready', async () => {
    const w = (made = world(['host-a', 'host-b']));
    const ids = Array.from({ length: 12 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
    addTasks(w, ids, path.join(w.root, 'no-hold'));
    hosts = ['host-a', 'host-b'].map((h) => startHost(h, w.clones[h]!, runArgs(w, h, ['--once', '--verify', 'true'])));
    const ends = await Promise.all(hosts.map((h) => h.done));
    ends.forEach((end, i) => expect(end.code, hosts[i]!.stdout + hosts[i]!.stderr).toBe(0));
    expect(doneIds(w).sort()).toEqual(ids.map((id) => `${id}.json`));
    expect(Object.fromEntries(trailerCounts(w.origin))).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect(await auditLandings(new QueueStore(layoutFor(w.clones['host-a']!, { queue: w.queue, state: w.state })), 'main', { repo: w.origin })).toEqual([]);
    // Every landing was made by a lander of the host whose agent finished the task, or, for one that waited
    // staleAfter on the remote, by the other host's from the branch's copy there (its ready release names it).
    const events = readEventLog(path.join(w.state, 'events.jsonl'));
    const readyBy = new Map(events.filter((e) => e.type === 'ready').map((e) => [e.task, String(e.agent).split('/')[0]]));
    for (const e of events.filter((x) => x.type === 'landed')) {
      const by = String(e.agent).split('/')[0];
      if (by !== readyBy.get(String(e.task))) expect(readyReleases(w, String(e.task)).some((r) => typeof r.shared === 'string'), String(e.task)).toBe(true);
    }
    // Each ready branch's copy on the remote went once its task landed.
    expect(git(w.origin, 'for-each-ref', 'refs/parallel-loop/')).toBe('');
  }, 120_000);

  it.skipIf(noNamespaces !== undefined)('with verify, a host killed whole while its lander verifies: the other host fetches the ready branches from the remote and lands them', async () => {
    const w = (made = world(['host-a', 'host-b']));
    const ids = ['r1', 'r2', 'r3', 'r4'];
    addTasks(w, ids, path.join(w.root, 'no-hold'));
    // Host a's lander verifies for a long time: it is killed in the middle, its batch claimed, the branches only in its clone and on the remote.
    const a = startHost('host-a', w.clones['host-a']!, runArgs(w, 'host-a', ['--once', '--verify', 'sleep 60', '--batch-size', '4']));
    hosts = [a];
    const events = () => readEventLog(path.join(w.state, 'events.jsonl'));
    await waitFor(() => events().filter((e) => e.type === 'ready').length === ids.length && heartbeatsOf(w, 'host-a').some((h) => h.phase === 'verifying'), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(heartbeatsOf(w, 'host-a'))}\n${a.stdout}\n${a.stderr}`);
    });
    expect(git(w.origin, 'for-each-ref', '--format=%(refname)', 'refs/parallel-loop/ready/').split('\n').sort()).toEqual(ids.map((id) => `refs/parallel-loop/ready/pl/${id}/1`));
    await killHost(a);

    const b = startHost('host-b', w.clones['host-b']!, runArgs(w, 'host-b', ['--once', '--verify', 'true']));
    hosts = [b];
    const end = await b.done;
    expect(end.code, b.stdout + b.stderr).toBe(0);
    expect(doneIds(w).sort()).toEqual(ids.map((id) => `${id}.json`));
    expect(Object.fromEntries(trailerCounts(w.origin))).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect(await auditLandings(new QueueStore(layoutFor(w.clones['host-b']!, { queue: w.queue, state: w.state })), 'main', { repo: w.origin })).toEqual([]);
    // Landed by host b, from branches it never had: fetched from their copies, which then went.
    for (const e of events().filter((x) => x.type === 'landed')) expect(String(e.agent)).toMatch(/^host-b\//);
    expect(git(w.origin, 'for-each-ref', 'refs/parallel-loop/')).toBe('');
    expect([...processesIn(w.root)]).toEqual([]);
  }, 120_000);
});

/** The `ready` releases of a task in the shared state folder. */
function readyReleases(w: World, id: string): Array<{ outcome: string; shared?: unknown }> {
  const dir = path.join(w.state, 'claims', id);
  return fs.readdirSync(dir).filter((n) => n.endsWith('.released')).map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8'))).filter((r) => r.outcome === 'ready');
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}
