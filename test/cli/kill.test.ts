// `kill <agent>` stops one agent's attempt and leaves the rest of the run alone: the worker requeues
// its task and exits, the supervisor starts a fresh worker, and the task still ends in done/.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, processesIn, readEvents, runCli, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { expectAllGone, readPids, waitFor } from '../proc/processes.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

type Heartbeat = { pid: number; task?: string; phase: string };
const heartbeat = (agent: string): Heartbeat | undefined => {
  try {
    return JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/agents', agent, 'heartbeat.json'), 'utf8')) as Heartbeat;
  } catch {
    return undefined;
  }
};

describe('kill', () => {
  it('stops one agent of two: the other keeps its pid and finishes, the killed task runs again and lands', async () => {
    repo = tmpRepo();
    const pids = path.join(tmpDir('pl-pids-'), 'pids');
    for (const id of ['a', 'b']) writeTask(repo, id, { agent: 'shell', run: `echo $$ >> '${pids}'; sleep 2; echo ${id} > ${id}.txt` });
    const run = startCli(repo, ['run', '--agents', '2', '--once', '--rescan-ms', '100', '--kill-grace-ms', '500']);
    await waitFor(() => heartbeat('agent-1')?.phase === 'agent' && heartbeat('agent-2')?.phase === 'agent', 20_000);
    const [one, two] = [heartbeat('agent-1')!, heartbeat('agent-2')!];
    await waitFor(() => readPids(pids).length === 2, 10_000);
    const firstShells = readPids(pids);

    const killed = await runCli(repo, ['kill', 'agent-1']);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stdout).toContain(`agent-1: stopped worker ${one.pid} during ${one.task}; ${one.task} went back to the queue`);
    expect(heartbeat('agent-2')!.pid).toBe(two.pid);
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['a.json', 'b.json']);
    const events = readEvents(repo);
    // agent-2 was never restarted, and finished the task it had.
    expect(events.filter((e) => e.type === 'agent-spawned' && e.agent === 'agent-2')).toHaveLength(1);
    expect(events.some((e) => e.type === 'done' && e.agent === 'agent-2' && e.task === two.task)).toBe(true);
    expect(events.filter((e) => e.type === 'agent-spawned' && e.agent === 'agent-1')).toHaveLength(2);
    const release = (gen: number) => JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/claims', one.task!, `${gen}.released`), 'utf8'));
    expect(release(1).outcome).toBe('requeued');
    expect(release(2).outcome).toBe('done');
    await expectAllGone(firstShells);
    expect(processesIn(repo)).toEqual([]);
  });

  it('names the known agents when asked for one that does not exist', async () => {
    repo = tmpRepo();
    fs.mkdirSync(path.join(repo, '.parallel-loop/agents/agent-1'), { recursive: true });
    fs.writeFileSync(path.join(repo, '.parallel-loop/agents/agent-1/heartbeat.json'), JSON.stringify({ agentId: 'agent-1', pid: 999_999, pidStart: '1', host: 'elsewhere' }));
    const result = await runCli(repo, ['kill', 'agent-9']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('No agent `agent-9`');
    expect(result.stderr).toContain('Agents: agent-1');
    const remote = await runCli(repo, ['kill', 'agent-1']);
    expect(remote.code).toBe(4);
    expect(remote.stderr).toContain('runs on host elsewhere');
  });
});
