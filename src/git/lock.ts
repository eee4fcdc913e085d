import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { PlError } from '../errors.js';

export interface RepoLockOptions {
  /** A lock whose holder stopped refreshing it for this long is taken over. Default 10,000 ms (proper-lockfile's minimum is 5,000). */
  staleMs?: number;
  /** How long to wait for the lock before giving up. Default 120,000 ms: a worktree add in a big repository takes seconds, and up to one per worker queues here. */
  waitMs?: number;
}

/**
 * Run `fn` while holding `<lockDir>/<name>.lock` (a proper-lockfile mkdir lock, shared by every process on
 * this state folder). Git itself is not safe against concurrent `git worktree add` in one repository
 * (config.lock, commondir races, ~7% failures at 8 at once), so add/remove/prune queue here.
 * Throws PlError `LOCK_TIMEOUT` when the lock stays taken for `waitMs`.
 */
export async function withRepoLock<T>(lockDir: string, name: string, fn: () => Promise<T>, options: RepoLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 10_000;
  const waitMs = options.waitMs ?? 120_000;
  fs.mkdirSync(lockDir, { recursive: true });
  const file = path.join(lockDir, name);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: staleMs,
      // Short, jittered polls (an mkdir each): holders keep the lock for tens of milliseconds in the common case,
      // and a long sleep while the lock is free costs every waiter throughput.
      retries: { retries: Math.ceil(waitMs / 50), factor: 1.3, minTimeout: 5, maxTimeout: 50, randomize: true },
      // A compromised lock only reopens git's own race, which then surfaces as a failed git command;
      // the default (throwing from a timer) would crash the whole process instead.
      onCompromised: () => {},
    });
  } catch (err) {
    throw new PlError('LOCK_TIMEOUT', `Could not take the lock ${file}.lock within ${waitMs} ms: ${(err as Error).message}. ` +
      'Another parallel-loop process holds it; if none runs, remove the folder by hand.', { cause: err });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}

/**
 * Take `<lockDir>/<name>.lock` if it is free (or its holder stopped refreshing it for `staleMs`), without
 * waiting: the release function, or undefined when another live process holds it.
 */
export async function tryLock(lockDir: string, name: string, options: { staleMs?: number } = {}): Promise<(() => Promise<void>) | undefined> {
  fs.mkdirSync(lockDir, { recursive: true });
  try {
    const release = await lockfile.lock(path.join(lockDir, name), { realpath: false, stale: options.staleMs ?? 10_000, retries: 0, onCompromised: () => {} });
    return () => release().catch(() => {});
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') return undefined;
    throw err;
  }
}
