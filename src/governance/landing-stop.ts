import fs from 'node:fs';
import path from 'node:path';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';
import { withOwnedLock } from '../git/owned-lock.js';

/**
 * Why landing stopped on a host: the remote refused its credentials or permission. Credentials are per
 * host (its credential helper, its SSH agent), so the stop is too. Retrying cannot fix it, so every worker
 * of that host stops claiming (their tasks wait to land, their branches kept), and `run` exits with it.
 */
export interface LandingStop {
  code: 'REMOTE_AUTH_FAILED';
  message: string;
  task?: string;
  agent?: string;
  at: string;
}

/** `.parallel-loop/landing-stop.json`: `{ hosts: { <host>: LandingStop } }`. */
interface LandingStopFile {
  hosts?: Record<string, LandingStop>;
}

function readAll(file: string): Record<string, LandingStop> {
  const all = readJsonOrUndefined<LandingStopFile>(file);
  return all && typeof all.hosts === 'object' && all.hosts !== null ? all.hosts : {};
}

/** The stop of `host`, if landing stopped there. */
export function landingStop(file: string, host: string): LandingStop | undefined {
  const stop = readAll(file)[host];
  return stop && typeof stop.message === 'string' ? stop : undefined;
}

/**
 * Record that landing stopped on `host`; the first reason is kept (later ones say the same). Under the
 * `landing-stop` lock in `lockDir` (the state folder's shared locks): every host's stop is in this one
 * file, and a write without it could drop the stop another host wrote at the same moment.
 */
export function recordLandingStop(file: string, lockDir: string, host: string, stop: LandingStop): Promise<void> {
  return withOwnedLock(lockDir, 'landing-stop', async () => {
    const hosts = readAll(file);
    if (hosts[host]) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeJsonAtomic(file, { hosts: { ...hosts, [host]: stop } } satisfies LandingStopFile);
  });
}

/** A run starts: the credentials may have been fixed since. Under the same lock, when there is a stop to take out. */
export async function resetLandingStop(file: string, lockDir: string, host: string): Promise<void> {
  if (!readAll(file)[host]) return;
  await withOwnedLock(lockDir, 'landing-stop', async () => {
    const hosts = readAll(file);
    if (!hosts[host]) return;
    const { [host]: _gone, ...rest } = hosts;
    writeJsonAtomic(file, { hosts: rest } satisfies LandingStopFile);
  });
}

/** What a person reads when the run ends this way. Pure. */
export function landingStopMessage(stop: LandingStop): string {
  return `landing stopped (${stop.code}): ${stop.message} The branches are kept, and the tasks that finished wait to land on the next run.`;
}
