import fs from 'node:fs';
import path from 'node:path';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';
import { withOwnedLock } from '../git/owned-lock.js';
import { hostBreaker, withFailure, withWork, type BreakerFile, type HostBreaker, type OpenBreaker } from './breaker.js';

/**
 * `.parallel-loop/breaker.json`, read before every claim and written after an attempt that failed
 * before doing any work (or one that worked after such failures). Replaced atomically, so readers see
 * one whole record. Writers take the `breaker` lock in `lockDir` (the state folder's shared locks, as
 * every host writes this file): without it two workers failing at once each opened the breaker (two
 * `breaker-open` events, two notifications) or one lost the other's failure. Reads take no lock.
 */
export function readBreaker(file: string, host: string): HostBreaker {
  return hostBreaker(readJsonOrUndefined<BreakerFile>(file), host);
}

/** The open breaker of `host`, if any. */
export function openBreaker(file: string, host: string): OpenBreaker | undefined {
  return readBreaker(file, host).open;
}

/** Record an environment failure; returns the breaker when this failure opened it (one failure does, of any number at once). */
export function recordEnvironmentFailure(file: string, lockDir: string, host: string, failure: HostBreaker['failures'][number], threshold: number): Promise<OpenBreaker | undefined> {
  return withOwnedLock(lockDir, 'breaker', async () => {
    const { state, opened } = withFailure(readBreaker(file, host), failure, threshold);
    write(file, host, state);
    return opened ? state.open : undefined;
  });
}

/** An attempt did work: earlier failures no longer count. Writes (under the lock) only when there were some. */
export async function recordWork(file: string, lockDir: string, host: string): Promise<void> {
  // The common case, no failures recorded, costs one read and no lock.
  if (readBreaker(file, host).failures.length === 0) return;
  await withOwnedLock(lockDir, 'breaker', async () => {
    const state = readBreaker(file, host);
    if (state.failures.length > 0) write(file, host, withWork(state));
  });
}

/** A run starts: whatever opened the breaker before may have been fixed. Under the lock, when there is anything to reset. */
export async function resetBreaker(file: string, lockDir: string, host: string): Promise<void> {
  const before = readBreaker(file, host);
  if (before.failures.length === 0 && !before.open) return;
  await withOwnedLock(lockDir, 'breaker', async () => {
    const state = readBreaker(file, host);
    if (state.failures.length > 0 || state.open) write(file, host, { failures: [] });
  });
}

function write(file: string, host: string, state: HostBreaker): void {
  const all = readJsonOrUndefined<BreakerFile>(file);
  const hosts = all && typeof all.hosts === 'object' && all.hosts !== null ? all.hosts : {};
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, { hosts: { ...hosts, [host]: state } } satisfies BreakerFile);
}
