import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlError, errnoCode } from '../errors.js';
import { isSameProcess, processStartTime } from '../proc/start-time.js';

export interface OwnedLockOptions {
  /** A lock whose holder cannot be judged (another host, no owner written) and that was not refreshed for this long is taken over. Default 10,000 ms. */
  staleMs?: number;
  /** How long to wait for the lock before giving up (PlError `LOCK_TIMEOUT`). Default 120,000 ms. */
  waitMs?: number;
}

interface Owner {
  pid: number;
  start?: string;
  host: string;
}

interface Holder {
  owner?: Owner;
  mtimeMs: number;
}

/**
 * Run `fn` holding `<lockDir>/<name>.lock/`: a folder made by mkdir, with the holder's pid and start time in
 * `owner` inside. Like a proper-lockfile lock (refreshed while held, taken over once it goes stale), except
 * that a holder that died on this host is taken over at once: a worker SIGKILLed inside the lock must not
 * stall whoever comes next (the slot's next worker, a reclaim) for the stale time. Of several waiters that
 * find the same dead holder, one removes its lock (an O_EXCL takeover file decides) and all race for it again.
 */
export async function withOwnedLock<T>(lockDir: string, name: string, fn: () => Promise<T>, options: OwnedLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 10_000;
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  fs.mkdirSync(lockDir, { recursive: true });
  const dir = path.join(lockDir, `${name}.lock`);
  const me: Owner = { pid: process.pid, start: processStartTime(process.pid), host: os.hostname() };
  for (let wait = 5; !tryLock(dir, me); wait = Math.min(50, wait * 1.3)) {
    const held = readHolder(dir);
    if (held && abandoned(held, staleMs)) {
      takeOver(dir, held);
      continue;
    }
    if (Date.now() > deadline) {
      throw new PlError('LOCK_TIMEOUT', `Could not take the lock ${dir} within ${options.waitMs ?? 120_000} ms: process ${held?.owner?.pid ?? '(unknown)'} holds it.`);
    }
    await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
  }
  // Kept fresh while held, so only a holder that stopped (or another host's that cannot be judged) goes stale.
  const refresh = setInterval(() => fs.utimes(dir, new Date(), new Date(), () => undefined), staleMs / 3);
  refresh.unref();
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    // A holder that lost its lock (stopped past staleMs) must not remove the next holder's.
    if (sameOwner(readHolder(dir)?.owner, me)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function tryLock(dir: string, me: Owner): boolean {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
  const tmp = path.join(dir, `.owner.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(me));
  fs.renameSync(tmp, path.join(dir, 'owner'));
  return true;
}

function readHolder(dir: string): Holder | undefined {
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(dir).mtimeMs;
  } catch {
    return undefined;
  }
  try {
    return { owner: JSON.parse(fs.readFileSync(path.join(dir, 'owner'), 'utf8')) as Owner, mtimeMs };
  } catch {
    // Not written yet (the holder is between mkdir and rename), or the lock went meanwhile.
    return { mtimeMs };
  }
}

function abandoned(held: Holder, staleMs: number): boolean {
  const { owner } = held;
  if (owner && owner.host === os.hostname() && owner.start) return !isSameProcess(owner.pid, owner.start);
  return Date.now() - held.mtimeMs > staleMs;
}

function sameOwner(a: Owner | undefined, b: Owner | undefined): boolean {
  return a !== undefined && b !== undefined && a.pid === b.pid && a.start === b.start && a.host === b.host;
}

// Only the waiter that creates the takeover file removes the abandoned lock, and only while it is still that
// holder's: a waiter that read the holder before another took the lock over finds a new owner and leaves it.
function takeOver(dir: string, held: Holder): void {
  const token = held.owner ? `${held.owner.pid}-${held.owner.start ?? ''}` : `none-${Math.round(held.mtimeMs)}`;
  const claim = `${dir}.takeover-${token}`;
  try {
    fs.writeFileSync(claim, '', { flag: 'wx' });
  } catch {
    return;
  }
  try {
    const now = readHolder(dir);
    const same = now && (held.owner ? sameOwner(now.owner, held.owner) : !now.owner && now.mtimeMs === held.mtimeMs);
    if (same) fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    fs.rmSync(claim, { force: true });
  }
}
