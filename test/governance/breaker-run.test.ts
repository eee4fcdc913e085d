// A broken agent environment does not fail the queue: attempts of different tasks failing the same way
// before doing any work open the breaker, the run stops with exit 4 naming the failure, and every
// task stays queued with its attempts unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { fixture } from '../proc/processes.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const fast = ['--rescan-ms', '100', '--retry-backoff-ms', '50'];
const releases = (id: string) => {
  const dir = path.join(repo, '.parallel-loop/claims', id);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => n.endsWith('.released')).map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')));
};

describe('run: the agent environment breaker', () => {
  it('stops after a few attempts whose agent says "invalid api key", exits 4, and leaves all 20 tasks queued', async () => {
    repo = tmpRepo();
    // Sandboxed, so that the root check (this may run as root) lets the broken agent be tried.
    writeConfig(repo, { agentSettings: { claude: { bin: fixture('invalid-api-key.sh'), sandbox: true } } });
    const ids = Array.from({ length: 20 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
    for (const id of ids) writeTask(repo, id, {});
    const result = await runCli(repo, ['run', '--agent', 'claude', '--agents', '2', '--once', ...fast]);

    expect(result.code, result.stdout + result.stderr).toBe(4);
    expect(result.stderr).toMatch(/agent environment is broken: \d+ attempts of \d+ different tasks \(.*\) failed the same way before doing any work: Error: invalid api key\. Fix it and run again; the tasks are still queued/);
    expect(tasksIn(repo, 'inbox')).toEqual(ids.map((id) => `${id}.json`));
    expect(tasksIn(repo, 'failed')).toEqual([]);
    const started = readEvents(repo).filter((e) => e.type === 'attempt-started');
    expect(started.length).toBeGreaterThanOrEqual(3);
    expect(started.length).toBeLessThan(20);
    // None of those attempts counts toward maxAttempts.
    for (const id of ids) for (const r of releases(id)) expect(r).toMatchObject({ outcome: 'requeued', attempted: false });
    const opened = readEvents(repo).filter((e) => e.type === 'breaker-open');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ kind: 'claude: authentication', line: 'Error: invalid api key' });
  });

  it('the next run, once the environment is fixed, starts with the breaker closed and does the tasks', async () => {
    repo = tmpRepo();
    writeConfig(repo, { agentSettings: { claude: { bin: fixture('invalid-api-key.sh'), sandbox: true } } });
    for (const id of ['f1', 'f2', 'f3']) writeTask(repo, id, {});
    expect((await runCli(repo, ['run', '--agent', 'claude', '--agents', '1', '--once', ...fast])).code).toBe(4);

    const bin = path.join(repo, '.parallel-loop', 'working-claude');
    fs.writeFileSync(bin, '#!/bin/sh\necho "$PL_TASK_ID" > "$PL_TASK_ID.txt"\n', { mode: 0o755 });
    writeConfig(repo, { agentSettings: { claude: { bin, sandbox: true } } });
    const fixed = await runCli(repo, ['run', '--agent', 'claude', '--agents', '1', '--once', ...fast]);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['f1.json', 'f2.json', 'f3.json']);
  });

  it('a failure of the task itself still counts', async () => {
    repo = tmpRepo();
    // Fails at once with no output that names the environment: the task's own failure.
    for (const id of ['x1', 'x2', 'x3', 'x4']) writeTask(repo, id, { agent: 'shell', run: 'echo "invalid api key"; exit 1', maxAttempts: 1 });
    const result = await runCli(repo, ['run', '--agents', '1', '--once', ...fast]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(tasksIn(repo, 'failed')).toEqual(['x1.json', 'x2.json', 'x3.json', 'x4.json']);
    expect(readEvents(repo).filter((e) => e.type === 'breaker-open')).toEqual([]);
  });
});
