import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RUN_ID_ENV, runAgentProcess, type RunAgentProcessOptions } from '../../src/agents/run-process.js';
import { readStat } from '../../src/proc/stat.js';
import { expectAllGone, fixture, killRecorded, readPids, tempDir } from '../proc/processes.js';

const temp = tempDir();
afterEach(() => killRecorded(temp.pidFile));
afterAll(() => temp.cleanup());

let runs = 0;
/** Run a fixture agent with short timings; every run gets its own log and pid file. */
function run(name: string, args: string[] = [], options: Partial<RunAgentProcessOptions> = {}) {
  runs += 1;
  temp.pidFile = join(temp.dir, `pids.${runs}`);
  const logFile = join(temp.dir, 'logs', `${runs}.log`);
  const lines: [string, string][] = [];
  const result = runAgentProcess({
    invocation: { file: process.execPath, args: [fixture(name), ...args] },
    cwd: temp.dir,
    env: { PL_PID_FILE: temp.pidFile },
    logFile,
    timeoutMs: 5000,
    killGraceMs: 300,
    onLine: (line, stream) => lines.push([line, stream]),
    ...options,
  });
  return { result, logFile, lines, pids: () => readPids(temp.pidFile) };
}

describe('runAgentProcess', () => {
  it('reports the exit code and keeps both streams in the log and the tail', async () => {
    const { result, logFile, lines } = run('exit-nonzero.mjs');
    const r = await result;
    expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false, aborted: false, leftovers: [] });
    expect(r.tailLines).toEqual(['starting', 'something failed']);
    expect(lines).toContainEqual(['something failed', 'stderr']);
    expect(lines).toContainEqual(['starting', 'stdout']);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('starting\n');
    expect(log).toContain('something failed\n');
  });

  it('runs an agent that prints nothing', async () => {
    const { result, logFile, pids } = run('silent.mjs');
    const r = await result;
    expect(r).toMatchObject({ exitCode: 0, signal: null, tailLines: [] });
    expect(readFileSync(logFile, 'utf8')).toBe('');
    expect(r.pid).toBe(pids()[0]);
  });

  it('kills a hanging agent at the timeout', async () => {
    const { result, pids } = run('hang.mjs', [], { timeoutMs: 500 });
    const r = await result;
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: true, aborted: false });
    expect(r.durationMs).toBeGreaterThanOrEqual(490);
    await expectAllGone(pids());
  });

  it.each([[[]], [['--detached']]])('force-kills a tree that ignores SIGTERM after the grace (%j)', async (args) => {
    // Stopped once both processes ignore SIGTERM, not at a fixed time: a loaded machine may take longer to start them.
    const controller = new AbortController();
    const { result, pids } = run('ignore-term.mjs', args, { timeoutMs: 0, signal: controller.signal, onLine: (line) => line === 'ready' && controller.abort() });
    const r = await result;
    expect(r).toMatchObject({ signal: 'SIGKILL', aborted: true });
    expect(r.durationMs).toBeGreaterThanOrEqual(300);
    expect(pids()).toHaveLength(2);
    await expectAllGone(pids());
  });

  it('kills the tree when the abort signal fires', async () => {
    const controller = new AbortController();
    const { result, pids } = run('hang.mjs', [], {
      signal: controller.signal,
      onLine: (line) => line === 'hanging' && controller.abort(),
    });
    expect(await result).toMatchObject({ signal: 'SIGTERM', aborted: true, timedOut: false });
    await expectAllGone(pids());
  });

  it('does not start an agent when already aborted', async () => {
    const { result, pids } = run('silent.mjs', [], { signal: AbortSignal.abort() });
    expect(await result).toMatchObject({ aborted: true, pid: undefined, exitCode: null });
    expect(pids()).toEqual([]);
  });

  it('kills what the agent left running, even while it holds the output open', async () => {
    const { result, pids } = run('forker.mjs');
    const r = await result;
    expect(r).toMatchObject({ exitCode: 0, timedOut: false });
    const grandchildren = pids().slice(1);
    // The grandchildren sleep forever, one holding stdout: the run returned, so it did not wait for them.
    expect(r.leftovers.sort()).toEqual([...grandchildren].sort());
    await expectAllGone(pids());
  });

  it('streams a 50 MiB flood to the log without holding it in memory', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    let count = 0;
    const { result, logFile } = run('flood.mjs', ['50'], { onLine: () => void count++, timeoutMs: 60_000 });
    const r = await result;
    clearInterval(sampler);
    expect(r.exitCode).toBe(0);
    expect(statSync(logFile).size).toBe(50 * 1024 * 1024);
    expect(count).toBe((50 * 1024 * 1024) / 64);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);

  it('cuts a huge line for onLine while the log keeps all of it', async () => {
    const script = "process.stdout.write('y'.repeat(300000) + '\\nafter\\n')";
    const { result, logFile, lines } = run('', [], { invocation: { file: process.execPath, args: ['-e', script] } });
    await result;
    expect(lines.map(([l]) => l.length)).toEqual([64 * 1024, 5]);
    expect(statSync(logFile).size).toBe(300000 + 7);
  });

  it('passes stdin input, the environment and the run id', async () => {
    const script = `process.stdin.on('data', (d) => console.log(String(d), process.env.A, process.env.B, process.env.${RUN_ID_ENV}))`;
    let spawned: [number, string | undefined, string] | undefined;
    const { result } = run('', [], {
      invocation: { file: process.execPath, args: ['-e', script], env: { B: 'from-invocation' }, input: 'hello' },
      env: { A: 'from-options', B: 'overridden' },
      onSpawn: (pid, info) => (spawned = [pid, info.startTime, info.runId]),
    });
    const r = await result;
    expect(r.tailLines).toEqual([`hello from-options from-invocation ${r.runId}`]);
    expect(spawned).toEqual([r.pid, expect.stringMatching(/^\d+$/), r.runId]);
    expect(readStat(r.pid!)).toBeUndefined();
  });

  it('throws AGENT_SPAWN_FAILED for a program that does not exist', async () => {
    const { result } = run('', [], { invocation: { file: join(temp.dir, 'no-such-agent'), args: [] } });
    await expect(result).rejects.toMatchObject({ code: 'AGENT_SPAWN_FAILED', message: expect.stringContaining('no-such-agent') });
  });

  it('rejects a bad timeout with a message naming the option', async () => {
    await expect(run('silent.mjs', [], { timeoutMs: -1 }).result).rejects.toThrow(
      'Expected the `timeoutMs` option to be a non-negative integer, got `-1` (number)',
    );
  });
});
