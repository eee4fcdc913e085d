import { readFileSync } from 'node:fs';

/** The fields of `/proc/<pid>/stat` this project reads. */
export interface ProcStat {
  pid: number;
  /** Executable name, as the kernel reports it (truncated to 15 bytes). */
  comm: string;
  /** One letter: R running, S sleeping, D disk wait, Z zombie, T stopped, ... */
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  session: number;
  /** Field 22: clock ticks after boot. Kept as a string: it is compared, never computed with. */
  startTime: string;
  /** Fields 14-17: CPU time in clock ticks, its own (user, system) and that of children it has waited for. */
  cpuTicks: number;
}

/**
 * Parse the text of `/proc/<pid>/stat`. Returns undefined for text that is not a stat line.
 *
 * The command name sits in parentheses and may itself contain spaces and `)`,
 * so the fields after it are found from the LAST `)`.
 */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 (state) on; index 0 here is field 3 of proc(5).
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const startTime = rest[19];
  const cpuTicks = rest.slice(11, 15).reduce((sum, n) => sum + Number(n), 0);
  if (!Number.isInteger(pid) || rest.length < 20 || startTime === undefined || !/^\d+$/.test(startTime)) {
    return undefined;
  }
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    startTime,
    cpuTicks: Number.isFinite(cpuTicks) ? cpuTicks : 0,
  };
}

/** Read and parse `/proc/<pid>/stat`; undefined when the process is gone (or the pid is not valid). */
export function readStat(pid: number): ProcStat | undefined {
  if (!isPid(pid)) return undefined;
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    // ENOENT: gone; ESRCH: exited between open and read.
    return undefined;
  }
}

/** True for a number that can name one process (a positive integer). */
export function isPid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 0;
}
