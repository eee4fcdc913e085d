import { setTimeout as sleep } from 'node:timers/promises';
import { PlError, errnoCode } from '../errors.js';
import { checkInteger } from './check-option.js';
import { processesWithEnv, type EnvMarker } from './env-marker.js';
import { isPid, readStat, type ProcStat } from './stat.js';
import { descendantsIn, readProcTable } from './tree.js';

export interface KillTreeOptions {
  /** Milliseconds from SIGTERM until whatever is left gets SIGKILL. Default 5000. */
  graceMs?: number;
  /** Milliseconds between checks whether the processes are gone. Default 50. */
  pollMs?: number;
  /** Milliseconds to wait for processes to disappear after SIGKILL before giving up. Default 2000. */
  killWaitMs?: number;
  /**
   * Start time of `pid` (see processStartTime), when known. A pid since reused by
   * another process, and that one's group, are then never signalled.
   */
  startTime?: string;
  /** Also kill every process whose environment holds this marker, with its descendants. */
  marker?: EnvMarker;
}

export interface KillTreeResult {
  /** Every pid that was sent a signal. */
  killed: number[];
  /** True when something outlived the grace period and got SIGKILL. */
  forced: boolean;
}

/**
 * Stop a process, its process group and all its descendants: SIGTERM, wait up to
 * `graceMs`, then SIGKILL what is left. The tree is read again before each step,
 * since processes fork meanwhile and orphans get a new parent once theirs exits;
 * processes seen once are followed by pid and start time. Zombies count as gone:
 * they have exited and only wait to be reaped by their parent.
 */
export async function killTree(pid: number, options: KillTreeOptions = {}): Promise<KillTreeResult> {
  const { graceMs = 5000, pollMs = 50, killWaitMs = 2000 } = options;
  // kill(-1) would signal every process we may signal; never accept it.
  if (!isPid(pid) || pid === 1 || pid === process.pid) {
    throw new PlError('BAD_OPTION', `Expected the pid of another process (an integer > 1), got \`${String(pid)}\``);
  }
  checkInteger('graceMs', graceMs);
  checkInteger('pollMs', pollMs, 1);
  checkInteger('killWaitMs', killWaitMs);
  const tree = new Tree(pid, options);
  if (!tree.signal(tree.collect(true), 'SIGTERM')) return { killed: [], forced: false };
  if (await tree.waitGone(graceMs, pollMs, 'SIGTERM')) return { killed: tree.killedPids(), forced: false };
  const forced = tree.signal(tree.collect(true), 'SIGKILL');
  if (forced) await tree.waitGone(killWaitMs, pollMs, 'SIGKILL');
  return { killed: tree.killedPids(), forced };
}

/** The processes of one tree seen so far, by pid and start time. */
class Tree {
  private readonly known = new Map<number, string>();
  private readonly killed = new Set<number>();
  private readonly ownGroup = readStat(process.pid)?.pgrp;

  constructor(
    private readonly pid: number,
    private readonly options: KillTreeOptions,
  ) {}

  /** Running members of the tree now. `scanMarker` reads every process's environment, so only at each step. */
  collect(scanMarker: boolean): ProcStat[] {
    const table = readProcTable();
    const byPid = new Map(table.map((p) => [p.pid, p]));
    const { startTime, marker } = this.options;
    const root = byPid.get(this.pid);
    // A live root with another start time is a reused pid; the kernel reuses no pid
    // while a group of that id exists, so that group is the newcomer's too.
    const reused = root !== undefined && startTime !== undefined && root.startTime !== startTime;
    if (!reused) for (const p of table) if (p.pid === this.pid || p.pgrp === this.pid) this.add(p);
    if (scanMarker && marker) {
      for (const found of processesWithEnv(byPid.keys(), marker)) this.add(byPid.get(found));
    }
    const running = () => [...this.known].flatMap(([p, st]) => {
      const now = byPid.get(p);
      return now && now.startTime === st && now.state !== 'Z' ? [now] : [];
    });
    for (const child of descendantsIn(table, running().map((p) => p.pid))) this.add(byPid.get(child));
    return running();
  }

  /** Send `sig` to the processes and to the group; false when there was nothing to signal. */
  signal(procs: ProcStat[], sig: NodeJS.Signals): boolean {
    // The group signal reaches a member forked after the table was read; skipped if the group is ours.
    if (procs.some((p) => p.pgrp === this.pid) && this.ownGroup !== this.pid) send(-this.pid, sig);
    for (const p of procs) if (send(p.pid, sig)) this.killed.add(p.pid);
    return procs.length > 0;
  }

  /** Poll until the tree is gone (true) or `ms` passed (false); newcomers get `sig` too. */
  async waitGone(ms: number, pollMs: number, sig: NodeJS.Signals): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = this.collect(false);
      if (left.length === 0) return true;
      // SIGKILL is repeated for all (harmless); SIGTERM only for newcomers, as a second one may mean "quit now" to some programs.
      this.signal(sig === 'SIGKILL' ? left : left.filter((p) => !this.killed.has(p.pid)), sig);
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await sleep(Math.min(pollMs, remaining));
    }
  }

  killedPids(): number[] {
    return [...this.killed];
  }

  private add(p: ProcStat | undefined): void {
    if (p && p.pid !== process.pid && !this.known.has(p.pid)) this.known.set(p.pid, p.startTime);
  }
}

function send(target: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(target, sig);
    return true;
  } catch (err) {
    // ESRCH: exited meanwhile. EPERM: not ours to kill (another user); nothing more to do about it.
    if (errnoCode(err) === 'ESRCH' || errnoCode(err) === 'EPERM') return false;
    throw err;
  }
}
