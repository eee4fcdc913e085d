import fs from 'node:fs';
import type { Layout } from '../queue/layout.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { aggregate, type AggregateOptions } from './aggregate.js';
import { formatBoard } from './board.js';
import type { DigestState } from './event-cache.js';
import { formatJson } from './format.js';
import { readSnapshot, type SnapshotOptions } from './snapshot.js';
import type { Status } from './types.js';
import { readRawConfig } from '../config/load.js';

/** What to read, how to aggregate, and whether to write the files. */
export interface PassOptions extends SnapshotOptions, AggregateOptions {
  /** Write status.json and board.md into the state folder. Default true. */
  write?: boolean;
  /** The time of the pass in epoch ms. Default Date.now() after reading. */
  now?: number;
}

/**
 * One status pass: read the folders, aggregate, and write `.parallel-loop/status.json` and
 * `board.md` (each by temp file and rename, so readers never see half a file). Returns the digest
 * state for the next pass to start from.
 */
export async function statusPass(layout: Layout, options: PassOptions = {}): Promise<{ status: Status; digest: DigestState }> {
  const { snapshot, digest } = await readSnapshot(layout, options);
  const status = aggregate(snapshot, options.now ?? Date.now(), { ...options, staleAfterMs: options.staleAfterMs ?? configuredStaleAfter(layout) });
  // A repository where nothing has run has no state folder; status does not create one (it would
  // show up in `git status`, as the run command is what marks it ignored).
  if ((options.write ?? true) && fs.existsSync(layout.state)) {
    try {
      writeFileAtomic(layout.statusJson, formatJson(status) + '\n');
      writeFileAtomic(layout.board, formatBoard(status));
    } catch {
      // A read-only state folder still gets a status on screen.
    }
  }
  return { status, digest };
}

/**
 * The run's `staleAfterMs` from the repository's config file, so status calls an agent stale when the
 * run's monitors would. A file that cannot be read or holds a bad value gives the default: status
 * shows what it can rather than refuse.
 */
function configuredStaleAfter(layout: Layout): number | undefined {
  try {
    const value = readRawConfig(layout.config).staleAfterMs;
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
