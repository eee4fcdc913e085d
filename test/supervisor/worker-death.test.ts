// A worker that dies at a start-up step (a spare before its slot took it, right after fork, before or
// just after its start message, before its first claim) is a crashed worker: the supervisor stays up,
// refills the slot, and the run finishes with every task done and landed once.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/run-cli.js';
import { eventsOf, expectDoneMeansLanded, expectDoneOnce, expectNothingRunning, FAST, repoWithTasks, track } from '../health/fixture.js';

const IDS = ['a', 'b', 'c', 'd'];
const tasks = () => Object.fromEntries(IDS.map((id) => [id, `echo ${id} > ${id}.txt`]));

const STEPS = [
  // The first two processes to load die: the run's two spares, or a fresh fork that replaced one.
  { step: 'forked', times: '2', exits: false },
  { step: 'start-received', times: '1', exits: true },
  { step: 'before-first-claim', times: '1', exits: true },
];

describe('a worker killed at a start-up step', () => {
  it.each(STEPS)('$step: the supervisor stays up, the slot is refilled, every task lands once', async ({ step, times, exits }) => {
    const repo = track(repoWithTasks(tasks()));
    const faultFile = path.join(repo, '.fault');
    const run = await runCli(repo, ['run', '--agents', '2', '--once', ...FAST], { PL_FAULT: step, PL_FAULT_ONCE: faultFile, PL_FAULT_TIMES: times });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(fs.readFileSync(faultFile, 'utf8')).toContain(step);
    expect(run.stderr).not.toMatch(/EPIPE|ERR_IPC|\n\s+at /);
    // A worker that had started is reported as exited by SIGKILL, and its slot started again.
    if (exits) expect(eventsOf(repo, 'agent-exited').some((e) => e.signal === 'SIGKILL')).toBe(true);
    for (const id of IDS) expectDoneOnce(repo, id);
    await expectDoneMeansLanded(repo);
    expectNothingRunning(repo);
  });

  it('every worker dies on load: the deaths count toward the restart limit, the slots end errored, nothing is claimed', async () => {
    const repo = track(repoWithTasks(tasks()));
    fs.writeFileSync(path.join(repo, '.parallel-loop.json'), JSON.stringify({ restartBackoffMs: 20, maxRestarts: 2, pauseCpuPercent: 100, pauseMemoryPercent: 100 }));
    const run = await runCli(repo, ['run', '--agents', '2', '--once', ...FAST], { PL_FAULT: 'forked' });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/Errored slot: agent-1: 2 restarts/);
    expect(run.stdout).toMatch(/Errored slot: agent-2: 2 restarts/);
    expect(run.stderr).not.toMatch(/EPIPE|ERR_IPC|\n\s+at /);
    expect(fs.readdirSync(path.join(repo, 'queue')).filter((n) => n.endsWith('.json')).sort()).toEqual(IDS.map((id) => `${id}.json`));
  });

  it('the output pipe closes mid-run (`run | head -1`): supervisor and workers go on, every task lands once', async () => {
    const repo = track(repoWithTasks(Object.fromEntries(IDS.map((id) => [id, `sleep 0.5; echo ${id} > ${id}.txt`]))));
    const run = startCli(repo, ['run', '--agents', '2', '--once', ...FAST]);
    await run.waitForOutput('parallel-loop: 2 agents');
    // Both ends of the reader go, as when `head` exits: every later write of the run meets EPIPE.
    run.child.stdout!.destroy();
    run.child.stderr!.destroy();
    const exit = await new Promise<number | null>((resolve) => run.child.on('exit', (code) => resolve(code)));
    expect(exit).toBe(0);
    for (const id of IDS) expectDoneOnce(repo, id);
    await expectDoneMeansLanded(repo);
  });
});
