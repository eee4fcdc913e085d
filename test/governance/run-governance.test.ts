// `run` under governance, with real processes: the budget stops new attempts, a reported rate limit
// pauses every worker until its reset, and an agent past its memory limit is killed and failed.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, runCli, startCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { expectAllGone, fixture, readPids, waitFor } from '../proc/processes.js';

const repos: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) killProcessesIn(repo);
});

// Load thresholds off: these tests are about spending and limits, not about a busy test machine.
const noLoadPause = { pauseCpuPercent: 100, pauseMemoryPercent: 100, stepDownMemoryPercent: 100 };
const fast = ['--rescan-ms', '100', '--retry-backoff-ms', '50', '--kill-grace-ms', '300'];

/** A repo whose `claude` is the fake CLI, so cost and rate limits arrive as the real adapter parses them (sandboxed, so root may run it). */
function claudeRepo(extra: Record<string, unknown> = {}): string {
  const repo = tmpRepo();
  repos.push(repo);
  const bin = path.join(tmpDir('pl-fake-claude-'), 'claude');
  fs.writeFileSync(bin, `#!/bin/sh\nexec '${process.execPath}' '${fixture('claude-cost.mjs')}' "$@"\n`, { mode: 0o755 });
  writeConfig(repo, { agentSettings: { claude: { bin, sandbox: true } }, ...noLoadPause, ...extra });
  return repo;
}

const record = (repo: string, id: string) => JSON.parse(fs.readFileSync(path.join(repo, 'queue/failed', `${id}.error.json`), 'utf8'));
const at = (e: { time: string }) => Date.parse(e.time);

describe('run: spending', () => {
  it('starts no attempt once --budget-usd is spent, and ends with the budget message and exit 1', async () => {
    const repo = claudeRepo();
    for (const id of ['t1', 't2', 't3']) writeTask(repo, id, { agent: 'claude', env: { FAKE_COST_USD: '0.5' } });
    const run = await runCli(repo, ['run', '--agents', '1', '--once', '--budget-usd', '0.9', ...fast]);

    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(readEvents(repo).filter((e) => e.type === 'attempt-started')).toHaveLength(2);
    expect(tasksIn(repo, 'done')).toHaveLength(2);
    expect(tasksIn(repo, 'inbox')).toHaveLength(1);
    expect(run.stdout).toContain('Stopped: budget of $0.90 reached ($1.00 spent); raise --budget-usd to continue');
    const ledger = fs.readdirSync(path.join(repo, '.parallel-loop/ledger')).sort();
    expect(ledger).toHaveLength(2);
    const entry = JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/ledger', ledger[0]!), 'utf8'));
    expect(entry).toMatchObject({ agent: 'claude', costUsd: 0.5, inputTokens: 100, outputTokens: 20 });
  });

  it('without --once, lets running attempts finish and then every worker exits', async () => {
    const repo = claudeRepo();
    for (const id of ['t1', 't2', 't3', 't4']) writeTask(repo, id, { agent: 'claude', env: { FAKE_COST_USD: '0.5', FAKE_SLEEP_MS: '500' } });
    const run = await runCli(repo, ['run', '--agents', '2', '--budget-usd', '0.4', ...fast]);

    expect(run.code, run.stdout + run.stderr).toBe(1);
    const started = readEvents(repo).filter((e) => e.type === 'attempt-started').length;
    // Both workers may have started before the first cost was recorded; none after.
    expect(started).toBeGreaterThanOrEqual(1);
    expect(started).toBeLessThanOrEqual(2);
    expect(tasksIn(repo, 'done')).toHaveLength(started);
    expect(run.stdout).toMatch(/budget of \$0\.40 reached \(\$(0\.50|1\.00) spent\)/);
  });

  it('does not retry a task that has spent its own budgetUsd', async () => {
    const repo = claudeRepo();
    writeTask(repo, 'pricey', { agent: 'claude', budgetUsd: 0.4, maxAttempts: 3, env: { FAKE_COST_USD: '0.5', FAKE_EXIT: '1' } });
    const run = await runCli(repo, ['run', '--agents', '1', '--once', ...fast]);

    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(readEvents(repo).filter((e) => e.type === 'attempt-started')).toHaveLength(1);
    expect(record(repo, 'pricey').reason).toBe('task budget of $0.40 reached ($0.50 spent on pricey); raise its budgetUsd and retry it to continue');
  });
});

describe('run: rate limits', () => {
  it('pauses every worker until the reported reset, then requeues the task without using an attempt', async () => {
    const repo = claudeRepo();
    const marker = path.join(tmpDir('pl-rl-'), 'limited');
    const env = { FAKE_RATE_LIMIT_ONCE: marker, FAKE_RESET_SEC: '3', FAKE_SLEEP_MS: '300' };
    writeTask(repo, 'first', { agent: 'claude', priority: 5, env });
    for (const id of ['n1', 'n2', 'n3', 'n4']) writeTask(repo, id, { agent: 'claude', env: { FAKE_SLEEP_MS: '300' } });
    const run = await runCli(repo, ['run', '--agents', '2', '--once', ...fast]);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toHaveLength(5);
    const pause = JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/pause.json'), 'utf8'));
    expect(pause).toMatchObject({ agent: expect.stringMatching(/^agent-/), task: 'first' });
    const [from, until] = [Date.parse(pause.at), Date.parse(pause.until)];
    expect(until - from).toBeGreaterThan(1500);
    const events = readEvents(repo);
    const starts = events.filter((e) => e.type === 'attempt-started');
    expect(starts.filter((e) => at(e) > from && at(e) < until), 'attempts started during the pause').toEqual([]);
    expect(starts.some((e) => at(e) >= until)).toBe(true);
    const requeued = events.find((e) => e.type === 'requeued' && e.task === 'first')!;
    expect(requeued.reason).toMatch(/^rate limited \(five_hour limit reached, resets .*\); claiming paused until /);
    expect(starts.filter((e) => e.task === 'first').map((e) => e.attempt)).toEqual([1, 1]);
    expect(events.some((e) => e.type === 'paused' && String(e.reason).startsWith('claiming paused until'))).toBe(true);
    expect(events.some((e) => e.type === 'resumed')).toBe(true);
  });
});

describe('run: resources', () => {
  it('writes the CPU and memory of the running agent tree to its heartbeat', async () => {
    const repo = tmpRepo();
    repos.push(repo);
    writeConfig(repo, { ...noLoadPause, resourceSampleMs: 100 });
    writeTask(repo, 'hold', { agent: 'shell', run: `'${process.execPath}' '${fixture('hog-memory.mjs')}'`, env: { HOG_MB: '50' }, timeout: 3, maxAttempts: 1 });
    const run = startCli(repo, ['run', '--agents', '1', '--once', ...fast]);
    const heartbeat = path.join(repo, '.parallel-loop/agents/agent-1/heartbeat.json');
    const read = () => {
      try {
        return JSON.parse(fs.readFileSync(heartbeat, 'utf8'));
      } catch {
        return {};
      }
    };
    await waitFor(() => read().memory > 50 * 1024 * 1024, 10_000);
    expect(read()).toMatchObject({ phase: 'agent', task: 'hold', cpu: expect.any(Number) });
    await run.done;
  });

  it('kills an agent tree past --memory-limit-mb and fails the attempt with that reason', async () => {
    const repo = tmpRepo();
    repos.push(repo);
    writeConfig(repo, { ...noLoadPause, resourceSampleMs: 200 });
    const pidFile = path.join(tmpDir('pl-pids-'), 'pids');
    writeTask(repo, 'hog', { agent: 'shell', run: `'${process.execPath}' '${fixture('hog-memory.mjs')}'`, maxAttempts: 2 });
    const run = await runCli(repo, ['run', '--agents', '1', '--once', '--memory-limit-mb', '100', '--timeout', '30', ...fast], { PL_PID_FILE: pidFile });

    expect(run.code, run.stdout + run.stderr).toBe(1);
    const reason = /^memory limit of 100 MB exceeded \(used (\d+) MB\)/;
    const retry = readEvents(repo).find((e) => e.type === 'retry' && e.task === 'hog')!;
    expect(retry.reason).toMatch(reason);
    expect(Number(reason.exec(String(retry.reason))![1])).toBeGreaterThan(100);
    expect(record(repo, 'hog').reason).toMatch(/^memory limit of 100 MB exceeded \(used \d+ MB\); 2 of 2 attempts used$/);
    // The first attempt's reason reached the second attempt's prompt as a retry note.
    const prompt = fs.readFileSync(path.join(repo, '.parallel-loop/agents/agent-1/prompts/hog.2.md'), 'utf8');
    expect(prompt).toMatch(new RegExp(reason.source.slice(1)));
    await expectAllGone(readPids(pidFile));
  });
});
