// `run` with fixture agents: timeouts kill whole trees, failures retry then fail with a record,
// quiet and loud agents both finish, and nothing is left running when `run --once` returns.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, processesIn, readEvents, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { expectAllGone, fixture, readPids } from '../proc/processes.js';

const repos: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) killProcessesIn(repo);
});

function setup(): { repo: string; pidFile: string } {
  const repo = tmpRepo();
  repos.push(repo);
  return { repo, pidFile: path.join(tmpDir('pl-pids-'), 'pids') };
}

const node = (name: string, ...args: string[]) => [process.execPath, fixture(name), ...args].map((a) => `'${a}'`).join(' ');
const logOf = (repo: string, agent: string, id: string, gen: number) => path.join(repo, '.parallel-loop/agents', agent, 'logs', `${id}.${gen}.log`);
const fast = ['--once', '--rescan-ms', '100', '--retry-backoff-ms', '50'];

describe('run with fixture agents', () => {
  it('kills a hanging tree at the timeout, and a SIGTERM-ignoring tree after the grace', async () => {
    const { repo, pidFile } = setup();
    writeTask(repo, 'hang', { agent: 'shell', run: `${node('hang.mjs')} & ${node('hang.mjs')}`, maxAttempts: 1 });
    // Through the command adapter, so the agent process itself ignores SIGTERM. Its child has its own
    // session: only the run-id marker in its environment finds it.
    writeConfig(repo, { agentSettings: { command: { template: [process.execPath, fixture('ignore-term.mjs'), '--detached'] } } });
    writeTask(repo, 'stubborn', { agent: 'command', maxAttempts: 1 });
    // The timeout leaves the stubborn agent time to start its child on a loaded machine (at 1 s it sometimes had not).
    const run = await runCli(repo, ['run', '--agents', '2', '--timeout', '5', '--kill-grace-ms', '300', ...fast], { PL_PID_FILE: pidFile });

    expect(run.code, run.stderr).toBe(1);
    expect(tasksIn(repo, 'failed')).toEqual(['hang.json', 'stubborn.json']);
    for (const id of ['hang', 'stubborn']) {
      const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue/failed', `${id}.error.json`), 'utf8'));
      expect(record.reason).toMatch(/^timed out after 5s/);
    }
    // SIGTERM ended the first tree; the second outlived it and got SIGKILL after the 300 ms grace.
    const finished = readEvents(repo).filter((e) => e.type === 'attempt-finished');
    expect(finished.find((e) => e.task === 'stubborn')!.durationMs).toBeGreaterThanOrEqual(5300);
    const pids = readPids(pidFile);
    expect(pids).toHaveLength(4);
    await expectAllGone(pids);
    expect(processesIn(repo)).toEqual([]);
  });

  it('retries a failing agent up to maxAttempts, then fails it with the exit code and the last log lines', async () => {
    const { repo, pidFile } = setup();
    writeConfig(repo, { agentSettings: { command: { template: [process.execPath, fixture('exit-nonzero.mjs')] } } });
    writeTask(repo, 'broken', { agent: 'command' });
    const run = await runCli(repo, ['run', '--agents', '1', '--max-attempts', '3', ...fast], { PL_PID_FILE: pidFile });

    expect(run.code, run.stderr).toBe(1);
    const events = readEvents(repo).filter((e) => e.task === 'broken');
    expect(events.filter((e) => e.type === 'attempt-started').map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.type === 'retry').map((e) => e.attempt)).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'failed').map((e) => e.attempt)).toEqual([3]);
    expect(tasksIn(repo, 'failed')).toEqual(['broken.json']);
    const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue/failed/broken.error.json'), 'utf8'));
    expect(record.reason).toBe('exit code 3; 3 of 3 attempts used');
    expect(record.exitCode).toBe(3);
    expect(record.tail).toEqual(['starting', 'something failed']);
    // One log per attempt, each holding what that attempt printed.
    for (const gen of [1, 2, 3]) expect(fs.readFileSync(logOf(repo, 'agent-1', 'broken', gen), 'utf8')).toContain('something failed');
    expect(run.stdout).toContain('FAILED broken: exit code 3');
    await expectAllGone(readPids(pidFile));
  });

  it('finishes a silent agent, keeps a flooding agent\'s log whole, and leaves nothing running', async () => {
    const { repo, pidFile } = setup();
    // The forker waits until its pid file holds three pids, so it gets a file of its own.
    const forkerPids = `${pidFile}.forker`;
    writeTask(repo, 'quiet', { agent: 'shell', run: node('silent.mjs') });
    writeTask(repo, 'loud', { agent: 'shell', run: node('flood.mjs', '8') });
    writeTask(repo, 'forks', { agent: 'shell', run: node('forker.mjs'), env: { PL_PID_FILE: forkerPids } });
    const run = await runCli(repo, ['run', '--agents', '2', '--kill-grace-ms', '300', ...fast], { PL_PID_FILE: pidFile });

    expect(run.code, run.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['forks.json', 'loud.json', 'quiet.json']);
    const agentOf = (id: string) => readEvents(repo).find((e) => e.type === 'attempt-started' && e.task === id)!.agent!;
    expect(fs.statSync(logOf(repo, agentOf('loud'), 'loud', 1)).size).toBe(8 * 1024 * 1024);
    expect(fs.statSync(logOf(repo, agentOf('quiet'), 'quiet', 1)).size).toBe(0);
    expect(fs.readFileSync(logOf(repo, agentOf('forks'), 'forks', 1), 'utf8')).toBe('forked\n');
    // The forker's grandchildren (one in its own session) are killed with it; the workers are gone too.
    const pids = [...readPids(pidFile), ...readPids(forkerPids)];
    expect(pids).toHaveLength(5);
    await expectAllGone(pids);
    expect(processesIn(repo)).toEqual([]);
    expect(run.stdout).toMatch(/working on quiet \(attempt 1\)/);
    expect(run.stdout).toMatch(/done quiet: nothing-to-land/);
  });
});
