import { readFileSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { isPid, readStat } from './stat.js';

/**
 * Start time of a process (field 22 of `/proc/<pid>/stat`, clock ticks after boot),
 * or undefined when it is not running. Together with the pid and `hostBootId()` it
 * names one process for good: a reused pid has another start time.
 */
export function processStartTime(pid: number): string | undefined {
  return readStat(pid)?.startTime;
}

let bootId: string | undefined;

/** This boot's id (`/proc/sys/kernel/random/boot_id`), or undefined where there is none. */
export function hostBootId(): string | undefined {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }
  return bootId;
}

/**
 * True when a process with this pid exists, by `kill(pid, 0)`: EPERM means it
 * exists under another user. A zombie (exited, not yet reaped) counts as alive here.
 */
export function isAlive(pid: number): boolean {
  if (!isPid(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * True when `pid` still runs the process that had `startTime`: alive, not a zombie,
 * and started at that time. False for a dead pid and for a pid reused by another process.
 */
export function isSameProcess(pid: number, startTime: string): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === startTime;
}
