// `cancel <task>`: a running attempt is stopped by its own worker and the task ends in failed/ marked
// cancelled; a queued task is claimed like any other and moved there directly.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, processesIn, runCli, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { expectAllGone, readPids, waitFor } from '../proc/processes.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const errorRecord = (id: string) => JSON.parse(fs.readFileSync(path.join(repo, 'queue/failed', `${id}.error.json`), 'utf8'));

describe('cancel', () => {
  it('stops a running task: its agent process is gone, the task is in failed/ marked cancelled, its work on the branch', async () => {
    repo = tmpRepo();
    const pids = path.join(tmpDir('pl-pids-'), 'pids');
    writeTask(repo, 'long', { agent: 'shell', run: `echo partial > partial.txt; echo $$ >> '${pids}'; sleep 30 & echo $! >> '${pids}'; wait` });
    writeTask(repo, 'next', { agent: 'shell', run: 'echo next > next.txt', priority: -1 });
    const run = startCli(repo, ['run', '--agents', '1', '--once', '--rescan-ms', '100', '--heartbeat-ms', '100', '--kill-grace-ms', '500']);
    await run.waitForOutput('working on long');
    await waitFor(() => readPids(pids).length === 2, 10_000);

    const cancel = await runCli(repo, ['cancel', 'long', '--wait-ms', '20000']);
    expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/cancelled long: its attempt on agent-1 was stopped/);
    await expectAllGone(readPids(pids));
    expect(tasksIn(repo, 'failed')).toEqual(['long.json']);
    expect(errorRecord('long')).toMatchObject({ cancelled: true, task: 'long' });
    expect(git(repo, 'show', 'pl/long/1:partial.txt')).toBe('partial');

    // The worker carried on with the rest of the queue; the run reports the cancelled task as failed.
    const result = await run.done;
    expect(result.code).toBe(1);
    expect(tasksIn(repo, 'done')).toEqual(['next.json']);
    expect(processesIn(repo)).toEqual([]);
  });

  it('moves a queued task to failed/ through a proper claim, leaving no command lease behind', async () => {
    repo = tmpRepo();
    writeTask(repo, 'queued', { agent: 'shell', run: 'true' });
    const result = await runCli(repo, ['cancel', 'queued', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ task: 'queued', cancelled: true, state: 'failed', was: 'inbox' });
    expect(tasksIn(repo, 'inbox')).toEqual([]);
    expect(tasksIn(repo, 'failed')).toEqual(['queued.json']);
    expect(errorRecord('queued').cancelled).toBe(true);
    const released = JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/claims/queued/1.released'), 'utf8'));
    expect(released).toMatchObject({ outcome: 'failed', cancelled: true, attempted: false });
    expect(fs.readdirSync(path.join(repo, '.parallel-loop/agents'))).toEqual([]);
  });

  it('says where a task is when there is nothing to cancel', async () => {
    repo = tmpRepo();
    const missing = await runCli(repo, ['cancel', 'ghost']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('No task `ghost`');
    const bad = await runCli(repo, ['cancel', '../etc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('The task id `"../etc"` contains `/`');
  });
});
