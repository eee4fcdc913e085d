// The supervisor keeps its workers alive: a killed worker is replaced, a crash-looping slot is given up.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, startCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { waitFor } from '../proc/processes.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

function heartbeatPid(agent: string): number | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/agents', agent, 'heartbeat.json'), 'utf8')).pid;
  } catch {
    return undefined;
  }
}

describe('run: supervisor', () => {
  it('replaces a worker killed with SIGKILL, and the new worker takes the next task', async () => {
    repo = tmpRepo();
    writeConfig(repo, { restartBackoffMs: 50 });
    const run = startCli(repo, ['run', '--agents', '1', '--rescan-ms', '100']);
    await run.waitForOutput(/agent-1 +started \(pid \d+\)/);
    const first = Number(/started \(pid (\d+)\)/.exec(run.stdout)![1]);
    await waitFor(() => heartbeatPid('agent-1') === first);

    process.kill(first, 'SIGKILL');
    await run.waitForOutput('exited (exit SIGKILL)');
    await run.waitForOutput(/exited \(exit SIGKILL\)\n.*agent-1 +started \(pid \d+\)/);
    const second = Number(/exited \(exit SIGKILL\)\n.*started \(pid (\d+)\)/.exec(run.stdout)![1]);
    expect(second).not.toBe(first);
    await waitFor(() => heartbeatPid('agent-1') === second);

    writeTask(repo, 'after', { agent: 'shell', run: 'echo after > after.txt' });
    await run.waitForOutput('done after: landed');
    process.kill(-run.child.pid!, 'SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    const lifecycle = readEvents(repo).filter((e) => e.type === 'agent-spawned' || e.type === 'agent-exited');
    expect(lifecycle.map((e) => [e.type, e.pid, e.signal ?? null])).toEqual([
      ['agent-spawned', first, null],
      ['agent-exited', first, 'SIGKILL'],
      ['agent-spawned', second, null],
      ['agent-exited', second, null],
    ]);
    expect(fs.readFileSync(path.join(repo, 'after.txt'), 'utf8')).toBe('after\n');
  });

  it('marks a slot errored when its worker crashes too often', async () => {
    repo = tmpRepo();
    writeConfig(repo, { restartBackoffMs: 50, maxRestarts: 2, restartWindowMs: 60_000 });
    for (const id of ['a', 'b', 'c', 'd']) writeTask(repo, id, { agent: 'shell', run: 'true' });
    // Each worker dies as soon as it has claimed a task.
    const result = await startCli(repo, ['run', '--agents', '1', '--once', '--rescan-ms', '100'], { PL_FAULT: 'claim-written' }).done;

    expect(result.code, result.stdout + result.stderr).toBe(1);
    const events = readEvents(repo);
    expect(events.filter((e) => e.type === 'agent-spawned')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'agent-exited' && e.signal === 'SIGKILL')).toHaveLength(3);
    const errored = events.filter((e) => e.type === 'agent-errored');
    expect(errored.map((e) => e.agent)).toEqual(['agent-1']);
    expect(result.stdout).toContain('agent-1   ERRORED: worker crashed 2 restarts within 60s; slot marked errored');
    expect(result.stdout).toContain('Errored slot: agent-1');
    expect(tasksIn(repo, 'done')).toEqual([]);
  });
});
