import type { ChildProcess } from 'node:child_process';
import { killGroupOnExit } from './kill-on-exit.js';
import { killTree } from './kill-tree.js';
import { processStartTime } from './start-time.js';

/** How a child ended: its exit code and signal, or the error that kept it from starting. */
export type ChildEnd = [number | null, NodeJS.Signals | null] | Error;

/** The child's end, listened for from the moment it is spawned so that neither an exit nor an error is missed. */
export function endOf(child: ChildProcess): Promise<ChildEnd> {
  return new Promise<ChildEnd>((resolve) => {
    child.once('exit', (code, signal) => resolve([code, signal]));
    child.on('error', resolve);
  });
}

export interface GroupWait {
  end: ChildEnd;
  timedOut: boolean;
  /** The child's start time, so a later kill of its tree cannot hit a reused pid. */
  startTime?: string;
  /** Stop killing the group when this process exits (call once nothing of it may still run). */
  release(): void;
}

/**
 * Wait for a child started in its own process group (`detached`) to end. At `timeoutMs` its whole tree
 * is killed (SIGTERM, SIGKILL after `graceMs`) and waited for; if this process exits first, the group
 * is killed as well, until `release()`.
 */
export async function waitForGroup(pid: number, ended: Promise<ChildEnd>, { timeoutMs, graceMs }: { timeoutMs: number; graceMs: number }): Promise<GroupWait> {
  const startTime = processStartTime(pid);
  const release = killGroupOnExit(pid);
  let timedOut = false;
  let killing: Promise<unknown> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killing = killTree(pid, { graceMs, startTime }).catch(() => undefined);
  }, timeoutMs);
  const end = await ended;
  clearTimeout(timer);
  await killing;
  return { end, timedOut, startTime, release };
}
