import fs from 'node:fs';
import path from 'node:path';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';

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

/** Record that landing stopped on `host`; the first reason is kept (later ones say the same). */
export function recordLandingStop(file: string, host: string, stop: LandingStop): void {
  const hosts = readAll(file);
  if (hosts[host]) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, { hosts: { ...hosts, [host]: stop } } satisfies LandingStopFile);
}

/** A run starts: the credentials may have been fixed since. */
export function resetLandingStop(file: string, host: string): void {
  const hosts = readAll(file);
  if (!hosts[host]) return;
  const { [host]: _gone, ...rest } = hosts;
  writeJsonAtomic(file, { hosts: rest } satisfies LandingStopFile);
}

/** What a person reads when the run ends this way. Pure. */
export function landingStopMessage(stop: LandingStop): string {
  return `landing stopped (${stop.code}): ${stop.message} The branches are kept, and the tasks that finished wait to land on the next run.`;
}
