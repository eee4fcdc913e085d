// Helpers for tests that start real processes and check that none survive.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readStat } from '../../src/proc/stat.js';

export const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'agents', name);

/** A temp dir and a pid file inside it; `cleanup` removes the dir. */
export function tempDir(): { dir: string; pidFile: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pl-proc-'));
  return { dir, pidFile: join(dir, 'pids'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readPids(pidFile: string): number[] {
  try {
    return readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Running: present in /proc and not a zombie. */
export function isRunning(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

export async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(20);
  }
}

/**
 * None of `pids` runs now, and each is soon gone from /proc entirely (reaped).
 * Orphans are reaped by pid 1, which may take a moment, hence the wait.
 */
export async function expectAllGone(pids: number[]): Promise<void> {
  const running = pids.filter(isRunning);
  if (running.length > 0) throw new Error(`still running: ${running.join(', ')}`);
  await waitFor(() => pids.every((pid) => readStat(pid) === undefined), 10_000);
}

/** Start a fixture with node, recording pids to `pidFile`; resolves once it printed `readyLine`. */
export async function startFixture(
  name: string,
  args: string[],
  pidFile: string,
  readyLine: string,
  detached = true,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture(name), ...args], {
    env: { ...process.env, ...env, PL_PID_FILE: pidFile },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached,
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(readyLine)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before "${readyLine}"`)));
  });
  return child;
}

/** Last-resort cleanup after a test: SIGKILL every recorded pid still running. */
export function killRecorded(pidFile: string): void {
  for (const pid of readPids(pidFile)) {
    if (!isRunning(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}
