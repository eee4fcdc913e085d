// `parallel-loop status` as a person runs it, after a real run of shell tasks, with no supervisor left.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { runCli, sharedRepo, shellTask } from './cli.js';

const docs = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/STATUS.md'), 'utf8');

// The keys of version 1, as docs/STATUS.md lists them. A key added to the code must be documented.
const SHAPE = {
  top: ['version', 'generatedAt', 'repo', 'queue', 'state', 'active', 'counts', 'agents', 'hosts', 'running', 'landing', 'waiting', 'stages', 'queued', 'recent', 'throughput', 'work', 'costUsd'],
  counts: ['inbox', 'running', 'done', 'failed', 'rejected', 'landing'],
  agent: ['id', 'pid', 'host', 'alive', 'stale', 'phase', 'task', 'gen', 'attempt', 'elapsedMs', 'heartbeatAgeMs', 'lastEvent', 'lastEventAt', 'note', 'cpu', 'memoryBytes', 'costUsd', 'done', 'failed'],
  finished: ['task', 'outcome', 'at', 'agent', 'attempt', 'durationMs', 'costUsd', 'landing', 'commit', 'branch', 'url', 'reason', 'escalated'],
  throughput: ['windowMs', 'donePerHour', 'doneLastHour', 'failedLastHour', 'inboxEtaMs'],
  work: ['since', 'wallMs', 'busyMs', 'speedup', 'attempts'],
  host: ['host', 'agents', 'alive', 'stale'],
};

describe('status after a run, with no supervisor running', () => {
  // One run for all tests here; tmpRepo() folders go after each test.
  const shared = sharedRepo();
  const repo = shared.dir;
  afterAll(() => shared.remove());
  beforeAll(async () => {
    shellTask(repo, 'one', 'echo one > one.txt');
    shellTask(repo, 'two', 'echo two > two.txt');
    shellTask(repo, 'broken', 'echo giving up; exit 3', { maxAttempts: 1 });
    const run = await runCli(repo, ['run', '--once', '--agents', '1', '--rescan-ms', '100']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
  });

  it('prints the table: nothing alive, two done, one failed', async () => {
    const { code, stdout, stderr } = await runCli(repo, ['status']);
    console.log(stdout);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('no agent running');
    expect(stdout).toContain('Tasks  0 queued · 0 running · 0 landing · 2 done · 1 failed · 0 rejected');
    expect(stdout).toMatch(/^agent-1 +no +\d+ +- +- +exited/m);
    expect(stdout).toMatch(/failed broken by agent-1: exit code 3/);
    expect(stdout).not.toMatch(/\x1b\[/);
  });

  it('prints JSON of the documented shape, and writes it to status.json with the board', async () => {
    const { code, stdout } = await runCli(repo, ['status', '--json']);
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(Object.keys(status)).toEqual(SHAPE.top);
    expect(Object.keys(status.counts)).toEqual(SHAPE.counts);
    expect(Object.keys(status.agents[0])).toEqual(SHAPE.agent);
    expect(Object.keys(status.recent.done[0])).toEqual(SHAPE.finished);
    expect(Object.keys(status.throughput)).toEqual(SHAPE.throughput);
    expect(Object.keys(status.work)).toEqual(SHAPE.work);
    expect(Object.keys(status.hosts[0])).toEqual(SHAPE.host);
    // Named as `key` or as the end of a path like `agents[].key`.
    for (const key of Object.values(SHAPE).flat()) expect(docs, `docs/STATUS.md names ${key}`).toMatch(new RegExp(`[\`.]${key}\``));

    expect(status).toMatchObject({ version: 1, active: false, counts: { inbox: 0, running: 0, done: 2, failed: 1, landing: 0 } });
    expect(status.agents).toHaveLength(1);
    expect(status.agents[0]).toMatchObject({ id: 'agent-1', alive: false, task: null, done: 2, failed: 1 });
    expect(status.recent.done.map((r: { task: string }) => r.task).sort()).toEqual(['one', 'two']);
    expect(status.recent.done[0]).toMatchObject({ outcome: 'done', landing: 'landed', attempt: 1 });
    expect(status.recent.done[0].commit).toMatch(/^[0-9a-f]{40}$/);
    expect(status.recent.failed[0]).toMatchObject({ task: 'broken', outcome: 'failed', reason: expect.stringContaining('exit code 3') });
    expect(status.work.attempts).toBe(3);
    expect(status.work.speedup).toBeGreaterThan(0);

    const written = JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop', 'status.json'), 'utf8'));
    expect(Object.keys(written)).toEqual(SHAPE.top);
    const board = fs.readFileSync(path.join(repo, '.parallel-loop', 'board.md'), 'utf8');
    expect(board).toContain('## Done (2)');
    expect(board).toMatch(/- broken: exit code 3/);
  });

  it('needs no state folder, and does not create one', async () => {
    const fresh = tmpRepo();
    const { code, stdout } = await runCli(fresh, ['status']);
    expect(code).toBe(0);
    expect(stdout).toContain('No agent has worked here yet.');
    expect(fs.existsSync(path.join(fresh, '.parallel-loop'))).toBe(false);
    const json = JSON.parse((await runCli(fresh, ['status', '--json'])).stdout);
    expect(json.counts).toEqual({ inbox: 0, running: 0, done: 0, failed: 0, rejected: 0, landing: 0 });
  });

  it('refuses an interval it cannot keep, naming the option', async () => {
    const { code, stderr } = await runCli(tmpDir(), ['status', '--watch', '--interval-ms', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain('Expected the `--interval-ms` option to be an integer of at least 50, got `0` (number)');
  });
});
