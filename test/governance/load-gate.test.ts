// Claiming under machine load, with real workers: thresholds set on the command line (which the
// test helper then leaves alone) below what the machine uses now, so the pause is certain. The
// pause reason is in the agent state; the queue still drains.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadSampler, lowestLiveSlot } from '../../src/governance/load-sampler.js';
import { ownTicksBetween } from '../../src/governance/outside-load.js';
import { processStartTime } from '../../src/proc/start-time.js';
import { layoutFor } from '../../src/queue/layout.js';
import { Slots } from '../../src/supervisor/slots.js';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, runCli, startCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { waitFor } from '../proc/processes.js';

let repo = '';
afterEach(() => {
  if (repo) killProcessesIn(repo);
  repo = '';
});

const fast = ['--once', '--rescan-ms', '100'];
const heartbeat = (agent: string) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/agents', agent, 'heartbeat.json'), 'utf8'));
  } catch {
    return undefined;
  }
};

describe('run: machine load', () => {
  it('pauses new claims above pauseMemoryPercent, says why in the agent state, and still drains one task at a time', async () => {
    repo = tmpRepo();
    writeConfig(repo, { stepDownMemoryPercent: 100 });
    for (const id of ['m1', 'm2', 'm3']) writeTask(repo, id, { agent: 'shell', run: 'sleep 0.7' });
    const run = startCli(repo, ['run', '--agents', '2', '--pause-cpu-percent', '100', '--pause-memory-percent', '1', ...fast]);
    await waitFor(() => heartbeat('agent-2')?.phase === 'paused' || heartbeat('agent-1')?.phase === 'paused', 15_000);
    const paused = [heartbeat('agent-1'), heartbeat('agent-2')].find((h) => h?.phase === 'paused');
    expect(paused.note).toMatch(/^memory at \d+% in use is above pauseMemoryPercent 1%: /);
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toHaveLength(3);
    const events = readEvents(repo);
    const spans = ['m1', 'm2', 'm3'].map((id) => {
      const start = events.find((e) => e.type === 'attempt-started' && e.task === id)!;
      const end = events.find((e) => e.type === 'done' && e.task === id)!;
      return [Date.parse(start.time), Date.parse(end.time)] as const;
    });
    for (const a of spans) for (const b of spans) if (a !== b) expect(a[0] < b[1] && b[0] < a[1]).toBe(false);
    expect(result.stdout).toMatch(/paused: memory at \d+% in use is above pauseMemoryPercent 1%/);
  });

  it('steps down to the lowest-numbered live agent above stepDownMemoryPercent', async () => {
    repo = tmpRepo();
    for (const id of ['s1', 's2', 's3']) writeTask(repo, id, { agent: 'shell', run: 'sleep 0.3' });
    const result = await runCli(repo, ['run', '--agents', '3', '--pause-cpu-percent', '100', '--pause-memory-percent', '100', '--step-down-memory-percent', '1', ...fast]);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const starts = readEvents(repo).filter((e) => e.type === 'attempt-started');
    expect(starts.map((e) => e.agent)).toEqual(['agent-1', 'agent-1', 'agent-1']);
    expect(result.stdout).toMatch(/agent-[23] +paused: memory at \d+% in use passed stepDownMemoryPercent 1%: only agent-1 claims/);
  });
});

describe('LoadSampler and live slots', () => {
  it("reads the machine and this run's process tree from the start, and counts a busy child of the root as the run's own", async () => {
    const child = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    try {
      const sampler = new LoadSampler(process.pid, 10_000, 80, Date.now());
      await sleep(1200);
      const { readings, memoryPercent } = sampler.sample(Date.now());
      expect(memoryPercent).toBeGreaterThan(0);
      expect(readings).toHaveLength(2);
      expect([...readings[1]!.own.keys()].some((key) => key.startsWith(`${child.pid}:`))).toBe(true);
      // The busy loop is a whole core of ours: it is not in the outside share.
      expect(ownTicksBetween(readings[0]!, readings[1]!)).toBeGreaterThan(10);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('finds the lowest slot whose worker is alive on this host and not stopping', () => {
    const dir = tmpDir();
    const write = (agent: string, state: Record<string, unknown>) => {
      fs.mkdirSync(path.join(dir, 'agents', agent), { recursive: true });
      const beat = { agentId: agent, host: os.hostname(), phase: 'idle', startedAt: new Date().toISOString(), ...state };
      fs.writeFileSync(path.join(dir, 'agents', agent, 'heartbeat.json'), JSON.stringify(beat));
    };
    const me = { pid: process.pid, pidStart: processStartTime(process.pid) };
    write('agent-1', { pid: 999_999_999, pidStart: '1', startedAt: '2020-01-01T00:00:00.000Z' });
    write('agent-2', { ...me, phase: 'stopping' });
    write('agent-4', me);
    write('agent-3', { ...me, host: 'elsewhere' });
    write('agent-5', me);
    expect(lowestLiveSlot(dir)).toBe(4);
    // A supervisor holds slot 1 and its new worker has not written a heartbeat yet: it counts.
    const slots = new Slots(layoutFor(tmpDir(), { state: dir }), 'sup-test');
    expect(slots.acquire(1)).toEqual([{ agentId: 'agent-1', slot: 1 }]);
    expect(lowestLiveSlot(dir)).toBe(1);
    slots.releaseAll();
    expect(lowestLiveSlot(dir)).toBe(4);
    expect(lowestLiveSlot(path.join(dir, 'none'))).toBeUndefined();
  });
});
