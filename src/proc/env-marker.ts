import { readFileSync } from 'node:fs';

/** A variable set in an agent's environment so that every process it starts can be found later. */
export interface EnvMarker {
  name: string;
  value: string;
}

/** True when a raw `/proc/<pid>/environ` (NUL-separated `NAME=value` entries) holds exactly `name=value`. */
export function environHas(environ: Buffer, marker: EnvMarker): boolean {
  // latin1 maps every byte to one char, so non-UTF-8 bytes elsewhere cannot hide the entry.
  return environ.toString('latin1').split('\0').includes(`${marker.name}=${marker.value}`);
}

/**
 * Pids among `pids` whose environment holds the marker. Catches processes that
 * left the agent's process tree and group (double fork, `setsid`), which inherit
 * the environment all the same. Processes of other users (unreadable) are skipped.
 */
export function processesWithEnv(pids: Iterable<number>, marker: EnvMarker): number[] {
  const found: number[] = [];
  for (const pid of pids) {
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    if (environHas(environ, marker)) found.push(pid);
  }
  return found;
}
