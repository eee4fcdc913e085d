import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PlError, errnoCode } from '../errors.js';
import { writeJsonAtomic, readJsonOrUndefined } from '../util/atomic-write.js';
import { RECORD_VERSION, readRelease, type AgentProcess, type Lease, type Release, type ReleaseInput } from '../lifecycle/records.js';

export interface ClaimSnapshot {
  /** Generations present, ascending. */
  gens: number[];
  released: Set<number>;
  highest: number;
  /** The highest generation when it is not released. */
  live?: number;
}

export type ClaimResult =
  | { ok: true; gen: number; lease: Lease }
  | { ok: false; reason: 'lost' | 'live' | 'moved-on'; gen: number };

/** link(2) as the claim makes it: `fs.linkSync` unless a test gives another (one that links, then fails as a retransmission would). */
export type LinkFn = (existing: string, link: string) => void;
/** rename(2) as the store moves task files: `fs.renameSync` unless a test gives another. */
export type RenameFn = (from: string, to: string) => void;

/** The two calls whose answers NFS may get wrong on a retransmission (see worker/fault.ts, PL_FAULT_NFS). */
export interface FsCalls {
  link: LinkFn;
  rename: RenameFn;
}

const GEN_RE = /^\d+$/;
const RELEASED_RE = /^(\d+)\.released$/;

/** Claims with fencing generations (docs/PROTOCOL.md): `claims/<task>/<gen>` hard-linked to a lease. */
export class Claims {
  /** Races lost (EEXIST from link) since this object was made; a contention figure for tests and benches. */
  racesLost = 0;

  constructor(
    private readonly claimsDir: string,
    private readonly agentsDir: string,
    private readonly link: LinkFn = fs.linkSync,
  ) {}

  taskDir(taskId: string): string {
    return path.join(this.claimsDir, taskId);
  }

  snapshot(taskId: string): ClaimSnapshot {
    let names: string[];
    try {
      names = fs.readdirSync(this.taskDir(taskId));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') names = [];
      else throw err;
    }
    const gens: number[] = [];
    const released = new Set<number>();
    for (const name of names) {
      if (GEN_RE.test(name)) gens.push(Number(name));
      else {
        const m = RELEASED_RE.exec(name);
        if (m) released.add(Number(m[1]));
      }
    }
    gens.sort((a, b) => a - b);
    const highest = gens.length > 0 ? gens[gens.length - 1]! : 0;
    const live = highest > 0 && !released.has(highest) ? highest : undefined;
    return { gens, released, highest, live };
  }

  /**
   * Claim the next generation of a task. With `over`, this is a reclaim: it succeeds only when the
   * highest generation is exactly `over` (judged stale by the caller), whether released or not.
   * Without it, the highest generation must be released (or there must be none).
   * Winning is decided by link(2) alone: EEXIST means another process won.
   */
  claim(taskId: string, owner: Omit<Lease, 'taskId' | 'gen' | 'claimedAt'>, options: { over?: number } = {}): ClaimResult {
    const dir = this.taskDir(taskId);
    fs.mkdirSync(dir, { recursive: true });
    const snap = this.snapshot(taskId);
    if (options.over !== undefined) {
      if (snap.highest !== options.over) return { ok: false, reason: 'moved-on', gen: snap.highest };
    } else if (snap.live !== undefined) {
      return { ok: false, reason: 'live', gen: snap.live };
    }
    const gen = snap.highest + 1;
    const lease: Lease = { version: RECORD_VERSION, ...owner, taskId, gen, claimedAt: new Date().toISOString() };
    const leaseFile = this.leaseFile(owner.agentId, taskId, gen);
    fs.mkdirSync(path.dirname(leaseFile), { recursive: true });
    writeJsonAtomic(leaseFile, lease);
    const claimFile = path.join(dir, String(gen));
    try {
      this.link(leaseFile, claimFile);
    } catch (err) {
      // Over NFS a LINK whose reply was lost is sent again, and the server answers the retry with EEXIST
      // although the first one made the link: the claim may be ours. Giving it up would leave a live
      // claim whose owner never works on it (and deleting the lease would orphan it).
      if (errnoCode(err) === 'EEXIST' && isOwnLink(leaseFile, claimFile)) return { ok: true, gen, lease };
      fs.rmSync(leaseFile, { force: true });
      if (errnoCode(err) === 'EEXIST') {
        this.racesLost++;
        return { ok: false, reason: 'lost', gen };
      }
      throw linkError(err, dir);
    }
    return { ok: true, gen, lease };
  }

  /** Mark a generation released. Idempotent: a second release keeps the first record. */
  release(taskId: string, gen: number, release: ReleaseInput, agentId?: string): void {
    const record = { version: RECORD_VERSION, ...release, at: new Date().toISOString() } as Release;
    // Written whole under a temp name, then linked into place: a process killed mid-write must not leave
    // an empty `.released` (the generation released, its record lost), and link(2) keeps the first record.
    const tmp = path.join(this.taskDir(taskId), `.${gen}.released.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n', { flag: 'wx' });
    try {
      fs.linkSync(tmp, path.join(this.taskDir(taskId), `${gen}.released`));
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    // The agent's own lease name goes; the claim link keeps the lease content for history.
    if (agentId) fs.rmSync(this.leaseFile(agentId, taskId, gen), { force: true });
  }

  /** Fencing check: has a later generation been claimed? Call before any irreversible step. */
  isSuperseded(taskId: string, gen: number): boolean {
    return this.snapshot(taskId).highest > gen;
  }

  /** Record the agent process of a generation, so a reclaimer on this host can kill exactly that tree. */
  recordProcess(taskId: string, gen: number, info: AgentProcess): void {
    writeJsonAtomic(path.join(this.taskDir(taskId), `${gen}.agent.json`), info);
  }

  readProcess(taskId: string, gen: number): AgentProcess | undefined {
    return readJsonOrUndefined<AgentProcess>(path.join(this.taskDir(taskId), `${gen}.agent.json`));
  }

  readLease(taskId: string, gen: number): Lease | undefined {
    return readJsonOrUndefined<Lease>(path.join(this.taskDir(taskId), String(gen)));
  }

  /** The lease of the live (unreleased) generation, if there is one: who holds the task now. */
  liveLease(taskId: string): Lease | undefined {
    const live = this.snapshot(taskId).live;
    return live === undefined ? undefined : this.readLease(taskId, live);
  }

  readRelease(taskId: string, gen: number): Release | undefined {
    return readRelease(readJsonOrUndefined<unknown>(path.join(this.taskDir(taskId), `${gen}.released`)));
  }

  /** Every generation of a task with its lease and release: the task's attempt history. */
  history(taskId: string): Array<{ gen: number; lease?: Lease; release?: Release }> {
    return this.snapshot(taskId).gens.map((gen) => ({ gen, lease: this.readLease(taskId, gen), release: this.readRelease(taskId, gen) }));
  }

  /** Leases an agent holds (its current claims, plus any left by a crash between release and cleanup). */
  agentLeases(agentId: string): Lease[] {
    const dir = path.join(this.agentsDir, agentId, 'leases');
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .map((n) => readJsonOrUndefined<Lease>(path.join(dir, n)))
      .filter((l): l is Lease => l !== undefined);
  }

  dropAgentLease(agentId: string, taskId: string, gen: number): void {
    fs.rmSync(this.leaseFile(agentId, taskId, gen), { force: true });
  }

  /** Ids of every task that has a claim folder. */
  taskIds(): string[] {
    try {
      return fs.readdirSync(this.claimsDir).filter((name) => !name.startsWith('.'));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * Remove a finished task's claim history (`parallel-loop clean`). Only for tasks in done/ or failed/
   * with no live generation: the next claim of that id starts again at generation 1.
   */
  forget(taskId: string): void {
    fs.rmSync(this.taskDir(taskId), { recursive: true, force: true });
  }

  private leaseFile(agentId: string, taskId: string, gen: number): string {
    return path.join(this.agentsDir, agentId, 'leases', `${taskId}.${gen}.json`);
  }
}

/**
 * Whether `claimFile` is the link this claimer made of `leaseFile`. The lease is unique to this claimer
 * (agent, task, generation; a fresh inode, as it is written by temp file and rename) and nothing but the
 * claim ever links it, so either fact proves it: the claim has the lease's inode, or the lease's link
 * count is 2 (the test open(2) gives for link locking over NFS).
 */
export function isOwnLink(leaseFile: string, claimFile: string): boolean {
  try {
    const lease = fs.statSync(leaseFile);
    if (lease.nlink >= 2) return true;
    const claim = fs.statSync(claimFile);
    return lease.ino === claim.ino && lease.dev === claim.dev;
  } catch {
    return false;
  }
}

function linkError(err: unknown, dir: string): PlError {
  const code = errnoCode(err) ?? 'unknown';
  return new PlError(
    'NO_HARD_LINKS',
    `Could not hard-link a claim in ${dir} (${code} from link(2)). parallel-loop claims tasks with hard links; ` +
      'put the state folder on a local filesystem that supports them (--state <dir>).',
    { cause: err },
  );
}
