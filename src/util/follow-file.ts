import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode } from '../errors.js';

export interface FollowOptions {
  /** Called with each complete line (without its newline), and with a last unterminated line at the end. */
  onLine: (line: string) => void;
  /** Keep reading as the file grows until this says the writer is done, or `signal` aborts. */
  follow?: { until: () => boolean; signal?: AbortSignal; pollMs?: number };
}

/**
 * Read a file line by line from its start; with `follow`, keep reading what is appended (like
 * `tail -f`). Polls the size instead of watching: fs.watch misses events on network filesystems, and
 * an agent's log is written in bursts. A file that shrinks (rewritten) is read again from its start.
 */
export async function readLines(file: string, options: FollowOptions): Promise<void> {
  const fd = await open(file, options.follow);
  if (fd === undefined) return;
  const buffer = Buffer.alloc(64 * 1024);
  let position = 0;
  let partial = '';
  const decoder = new TextDecoder('utf-8');
  const drain = () => {
    const size = fs.fstatSync(fd).size;
    if (size < position) position = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) return;
      position += n;
      const lines = (partial + decoder.decode(buffer.subarray(0, n), { stream: true })).split('\n');
      partial = lines.pop()!;
      for (const line of lines) options.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  };
  try {
    drain();
    const follow = options.follow;
    while (follow && !follow.signal?.aborted) {
      // Checked before the last read, so lines written just before the writer finished are not lost.
      const finished = follow.until();
      drain();
      if (finished) break;
      await sleep(follow.pollMs ?? 200, undefined, { signal: follow.signal }).catch(() => undefined);
    }
    drain();
    if (partial !== '') options.onLine(partial);
  } finally {
    fs.closeSync(fd);
  }
}

// A followed attempt may not have started its agent yet: wait for its log to appear.
async function open(file: string, follow: FollowOptions['follow']): Promise<number | undefined> {
  for (;;) {
    try {
      return fs.openSync(file, 'r');
    } catch (err) {
      if (!follow || errnoCode(err) !== 'ENOENT') throw err;
      if (follow.until() || follow.signal?.aborted) return undefined;
      await sleep(follow.pollMs ?? 200, undefined, { signal: follow.signal }).catch(() => undefined);
    }
  }
}
