import fs from 'node:fs';
import path from 'node:path';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';
import { hostBreaker, withFailure, withWork, type BreakerFile, type HostBreaker, type OpenBreaker } from './breaker.js';

/**
 * `.parallel-loop/breaker.json`, read before every claim and written after an attempt that failed
 * before doing any work (or one that worked after such failures). Replaced atomically, so readers see
 * one whole record; two workers writing at once may lose one failure, which only opens the breaker
 * one attempt later.
 */
export function readBreaker(file: string, host: string): HostBreaker {
  return hostBreaker(readJsonOrUndefined<BreakerFile>(file), host);
}

/** The open breaker of `host`, if any. */
export function openBreaker(file: string, host: string): OpenBreaker | undefined {
  return readBreaker(file, host).open;
}

/** Record an environment failure; returns the breaker when this failure opened it. */
export function recordEnvironmentFailure(file: string, host: string, failure: HostBreaker['failures'][number], threshold: number): OpenBreaker | undefined {
  const { state, opened } = withFailure(readBreaker(file, host), failure, threshold);
  write(file, host, state);
  return opened ? state.open : undefined;
}

/** An attempt did work: earlier failures no longer count. Writes only when there were some. */
export function recordWork(file: string, host: string): void {
  const state = readBreaker(file, host);
  if (state.failures.length > 0) write(file, host, withWork(state));
}

/** A run starts: whatever opened the breaker before may have been fixed. */
export function resetBreaker(file: string, host: string): void {
  const state = readBreaker(file, host);
  if (state.failures.length > 0 || state.open) write(file, host, { failures: [] });
}

function write(file: string, host: string, state: HostBreaker): void {
  const all = readJsonOrUndefined<BreakerFile>(file);
  const hosts = all && typeof all.hosts === 'object' && all.hosts !== null ? all.hosts : {};
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, { hosts: { ...hosts, [host]: state } } satisfies BreakerFile);
}
