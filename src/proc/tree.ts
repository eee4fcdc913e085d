import { readdirSync } from 'node:fs';
import { readStat, type ProcStat } from './stat.js';

/** Every process visible in `/proc` right now, read in one pass. Processes that exit mid-read are left out. */
export function readProcTable(): ProcStat[] {
  const table: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) table.push(stat);
  }
  return table;
}

/** Pids of all descendants of `roots` in `table` (children, their children, ...), roots excluded. */
export function descendantsIn(table: readonly ProcStat[], roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const seen = new Set(roots);
  const found: number[] = [];
  const stack = [...roots];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    for (const child of children.get(pid) ?? []) {
      // The set guards against a cycle in a table read while pids were reused.
      if (seen.has(child)) continue;
      seen.add(child);
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

/** Pids of all running descendants of `pid` (not `pid` itself); [] when it has none or is gone. */
export function descendants(pid: number): number[] {
  return descendantsIn(readProcTable(), [pid]);
}
