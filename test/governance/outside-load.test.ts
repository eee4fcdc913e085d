// Claiming under load, with real workers and the run's own load settings (no pause flags added by the
// test helper): the run's own processes never pause it; busy loops started from outside do, once they
// have lasted the window, and status says so; claims resume when the loops end.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlEvent } from '../../src/lifecycle/events.js';
import { tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, runCli, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { waitFor } from '../proc/processes.js';

let repo = '';
const loops: ChildProcess[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) loop.kill('SIGKILL');
  if (repo) killProcessesIn(repo);
  repo = '';
});

const at = (e: PlEvent) => Date.parse(e.time);

/** Start and end of each attempt, from the event log. */
function spans(events: PlEvent[]): { task: string; from: number; to: number }[] {
  return events
    .filter((e) => e.type === 'attempt-started')
    .map((start) => {
      const end = events.find((e) => e.type === 'attempt-finished' && e.task === start.task && e.attempt === start.attempt)!;
      return { task: String(start.task), from: at(start), to: at(end) };
    });
}

/** The most attempts running at one moment. */
function mostAtOnce(list: { from: number; to: number }[]): number {
  return Math.max(0, ...list.map((a) => list.filter((b) => b.from <= a.from && a.from < b.to).length));
}

const heartbeat = (agent: string) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/agents', agent, 'heartbeat.json'), 'utf8'));
  } catch {
    return undefined;
  }
};

describe('run: load from outside the run', () => {
  it('runs its 3 agents at once on its own bursts, with the default load settings', async () => {
    repo = tmpRepo();
    for (let i = 1; i <= 6; i++) writeTask(repo, `t${i}`, { agent: 'shell', run: 'sleep 1' });
    const result = await startCli(repo, ['run', '--agents', '3', '--once'], {}, { loadDefaults: true }).done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toHaveLength(6);
    const events = readEvents(repo);
    expect(events.filter((e) => e.type === 'paused')).toEqual([]);
    expect(mostAtOnce(spans(events))).toBe(3);
  });

  it('pauses claims once busy loops from outside have lasted the window, says so in status, and resumes when they end', async () => {
    repo = tmpRepo();
    for (let i = 1; i <= 10; i++) writeTask(repo, `t${i}`, { agent: 'shell', run: 'sleep 1' });
    for (let i = 0; i < 2; i++) loops.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    const run = startCli(repo, ['run', '--agents', '2', '--once', '--cpu-window-ms', '1000', '--rescan-ms', '100'], {}, { loadDefaults: true });
    const outside = /CPU used outside this run at \d+% has stayed above pauseCpuPercent 80% for \d+ s/;
    await waitFor(() => ['agent-1', 'agent-2'].some((a) => heartbeat(a)?.phase === 'paused' && outside.test(heartbeat(a).note)), 20_000);
    // The pause may lift and come back as the machine's load moves (other test files count as outside load
    // too): status is read again, as a person would look again, until it shows one.
    const paused = new RegExp(`Paused agent-\\d: ${outside.source}`);
    let shown = '';
    for (let tries = 0; tries < 20 && !paused.test(shown); tries++) shown = (await runCli(repo, ['status'])).stdout.replace(/\s+/g, ' ');
    expect(shown).toMatch(paused);

    await Promise.all(loops.splice(0).map((loop) => new Promise((gone) => (loop.once('exit', gone), loop.kill('SIGKILL')))));
    const killedAt = Date.now();
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toHaveLength(10);
    const events = readEvents(repo);
    expect(events.some((e) => e.type === 'paused' && outside.test(String(e.reason)))).toBe(true);
    // Claiming resumes once the outside load is gone (that both agents then work at once is the test
    // above: here other test files on the machine count as outside load too).
    expect(events.some((e) => e.type === 'resumed' && at(e) >= killedAt)).toBe(true);
  });
});
