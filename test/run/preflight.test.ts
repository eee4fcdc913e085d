// Preflight commands through a real run: a failing one holds every claim, its output in the status,
// and claiming resumes by itself once it passes.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, runCli, startCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

interface StatusAgent {
  phase: string;
  note: string | null;
}

async function pausedAgents(): Promise<StatusAgent[]> {
  const { stdout } = await runCli(repo, ['status', '--json']);
  return (JSON.parse(stdout) as { agents: StatusAgent[] }).agents.filter((a) => a.phase === 'paused');
}

describe('run: preflight', () => {
  it('a failing preflight holds both tasks, with its output in the status; once it passes both land', async () => {
    repo = tmpRepo();
    writeConfig(repo, { preflight: ['echo "service not up yet"; test -f ready'] });
    for (const id of ['one', 'two']) writeTask(repo, id, { agent: 'shell', run: `echo ${id} > ${id}.txt` });
    const run = startCli(repo, ['run', '--agents', '2', '--once', '--rescan-ms', '200', '--retry-backoff-ms', '50']);
    await run.waitForOutput('preflight `echo "service not up yet"; test -f ready` failed');

    let paused: StatusAgent[] = [];
    for (const deadline = Date.now() + 20_000; paused.length === 0 && Date.now() < deadline; await sleep(100)) paused = await pausedAgents();
    expect(paused.length).toBeGreaterThan(0);
    expect(paused[0]!.note).toContain('service not up yet');
    await sleep(600);
    expect(tasksIn(repo, 'inbox').sort()).toEqual(['one.json', 'two.json']);
    expect(readEvents(repo).filter((e) => e.type === 'claimed')).toEqual([]);
    const record = JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop', 'preflight.json'), 'utf8'));
    expect(record).toMatchObject({ ok: false, command: 'echo "service not up yet"; test -f ready' });

    fs.writeFileSync(path.join(repo, 'ready'), '');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done').sort()).toEqual(['one.json', 'two.json']);
    const events = readEvents(repo);
    expect(events.some((e) => e.type === 'paused' && e.cause === 'preflight' && e.reason.includes('service not up yet'))).toBe(true);
    expect(events.some((e) => e.type === 'resumed')).toBe(true);
  });
});
