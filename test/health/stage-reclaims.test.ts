// A pipeline stage whose try keeps ending its worker (the agent, or what it runs, kills it: the OOM killer,
// a stray `pkill node`): each time the worker's claim is reclaimed. Reclaims are counted per stage, apart
// from its failures, and a stage reclaimed as often as it has tries fails the task instead of going round
// for ever.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { tmpRepo } from '../helpers/tmp.js';
import { eventsOf, expectNothingRunning, FAST, track } from './fixture.js';

/** The stage's agent kills its worker (its parent), every try. */
const KILLS_ITS_WORKER = 'echo "$PL_STAGE" >> ../stages-run.txt; kill -9 $PPID; sleep 5';

describe('a pipeline stage that keeps killing its worker', () => {
  it('is reclaimed once per try and fails once reclaimed as often as it has tries, with the stage and count in its error record', async () => {
    const repo = track(tmpRepo());
    writeConfig(repo, { restartBackoffMs: 100, pauseCpuPercent: 100, pauseMemoryPercent: 100, stages: ['implement', 'review'] });
    writeTask(repo, 'k', { agent: 'shell', run: KILLS_ITS_WORKER });
    const run = await runCli(repo, ['run', '--agents', '1', '--once', ...FAST]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(tasksIn(repo, 'failed')).toEqual(['k.json']);
    const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue', 'failed', 'k.error.json'), 'utf8')) as { reason: string; stage: string };
    expect(record.stage).toBe('implement');
    expect(record.reason).toMatch(/^reclaimed: .*; its implement stage reclaimed 2 times, as many as its tries$/);
    // Two tries of the implement stage (pipeline stages have two unless the task or role says otherwise), each reclaimed.
    expect(eventsOf(repo, 'attempt-started', 'k').map((e) => (e as { stage?: string }).stage)).toEqual(['implement', 'implement']);
    expect(eventsOf(repo, 'reclaimed', 'k').length + eventsOf(repo, 'repaired').length).toBe(2);
    expect(eventsOf(repo, 'failed', 'k')).toHaveLength(1);
    expectNothingRunning(repo);
  });

  it('a task of one stage is still capped by maxAttempts, as before', async () => {
    const repo = track(tmpRepo());
    writeConfig(repo, { restartBackoffMs: 100, pauseCpuPercent: 100, pauseMemoryPercent: 100 });
    writeTask(repo, 'k', { agent: 'shell', run: KILLS_ITS_WORKER, maxAttempts: 2 });
    const run = await runCli(repo, ['run', '--agents', '1', '--once', ...FAST]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(tasksIn(repo, 'failed')).toEqual(['k.json']);
    const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue', 'failed', 'k.error.json'), 'utf8')) as { reason: string; stage?: string };
    expect(record.reason).toMatch(/^reclaimed: .*; 2 attempts used$/);
    expect(record.stage).toBeUndefined();
    expect(eventsOf(repo, 'attempt-started', 'k')).toHaveLength(2);
    expectNothingRunning(repo);
  });
});
