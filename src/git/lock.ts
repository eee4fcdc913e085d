import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { withOwnedLock, type OwnedLockOptions } from './owned-lock.js';

/** As withOwnedLock's: staleMs (default 10 s) for a holder that cannot be judged by pid, waitMs (default 120 s). */
export type RepoLockOptions = OwnedLockOptions;

/**
 * Run `fn` while holding `<lockDir>/<name>.lock`, shared by every process on this clone: git itself is not
 * safe against concurrent `git worktree add` in one repository (config.lock, commondir races, ~7% failures at
 * 8 at once), so add/remove/prune queue here, as do landings' turns and a checkout's fast-forward. Every holder
 * is on this host, so a holder that died is taken over at once by its pid (see withOwnedLock): a worker
 * SIGKILLed mid-landing, or mid worktree add, held every other landing or add up for the whole stale time
 * (10 s) under proper-lockfile, which judges by the lock's age alone. Throws PlError `LOCK_TIMEOUT` when the
 * lock stays taken for `waitMs`.
 */
export function withRepoLock<T>(lockDir: string, name: string, fn: () => Promise<T>, options: RepoLockOptions = {}): Promise<T> {
  return withOwnedLock(lockDir, name, fn, options);
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
