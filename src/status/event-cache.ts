import path from 'node:path';
import { readEventsFrom } from '../events/read-from.js';
import type { Layout } from '../queue/layout.js';
import { readJsonOrUndefined, writeFileAtomic } from '../util/atomic-write.js';
import { emptyDigest, foldEvents, type EventDigest } from './digest.js';

/** The digest together with where in events.jsonl it stops. */
export interface DigestState {
  digest: EventDigest;
  offset: number;
  ino: number;
}

interface CacheFile extends DigestState {
  version: 1;
}

/** `.parallel-loop/status-cache.json`: a digest of events.jsonl up to a byte offset. */
export function statusCachePath(layout: Layout): string {
  return path.join(layout.state, 'status-cache.json');
}

/**
 * The event digest brought up to date. Starts from `previous` (a watch loop keeps it in memory),
 * else from the cache file, else from byte 0; then folds only the lines appended since. A log that
 * shrank or was replaced is read again from the start. The cache is rewritten when it moved on;
 * a state folder we may not write to only costs the next pass a longer read.
 *
 * Why a cache and not the release records: at 10,000 finished tasks, reading every
 * `claims/<task>/<gen>.released` costs a file open each, every pass; the log is read once.
 */
export function loadDigest(layout: Layout, previous?: DigestState): DigestState {
  const start = previous ?? readCache(layout) ?? { digest: emptyDigest(), offset: 0, ino: 0 };
  const tail = readEventsFrom(layout.events, start.offset, start.ino);
  if (!tail.restarted && tail.offset === start.offset && tail.ino === start.ino) return start;
  // The digest is extended in place: `previous` belongs to the caller's loop, which replaces it.
  const base = tail.restarted ? emptyDigest() : start.digest;
  const next: DigestState = { digest: foldEvents(base, tail.events), offset: tail.offset, ino: tail.ino };
  try {
    // Compact, not pretty: the finish times make it long, and nobody reads it by hand.
    writeFileAtomic(statusCachePath(layout), JSON.stringify({ version: 1, ...next } satisfies CacheFile) + '\n');
  } catch {
    // read-only state folder: fine
  }
  return next;
}

function readCache(layout: Layout): DigestState | undefined {
  const cache = readJsonOrUndefined<CacheFile>(statusCachePath(layout));
  if (!cache || cache.version !== 1 || cache.digest?.version !== 1 || typeof cache.offset !== 'number') return undefined;
  return { digest: cache.digest, offset: cache.offset, ino: cache.ino };
}
