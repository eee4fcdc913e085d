import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';

/**
 * `.parallel-loop/held/<task id>`: when a task was first held back by conflicting work, in ms.
 * Shared by every worker, because starvation promotion only works when all of them agree: a
 * worker that never looked past its own pick would otherwise start work in a promoted task's area.
 * The first worker to see a task held creates the file (O_EXCL, so the earliest time stays); the
 * worker that starts the task, or fails it, removes it. A worker that judged a task held on a view
 * taken just before another worker took it could otherwise leave a mark behind for good: so the
 * taker removes it again once the task has left the inbox, and a marker that then finds the task
 * gone from the inbox removes its own mark. Whichever of the two comes last sees the other's step.
 */
export class HeldSince {
  private readonly times = new Map<string, number>();

  constructor(private readonly dir: string) {}

  /** Every held task on file: one readdir, and one read per file not seen before. */
  refresh(): ReadonlyMap<string, number> {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      names = [];
    }
    const present = new Set(names);
    for (const id of this.times.keys()) if (!present.has(id)) this.times.delete(id);
    for (const id of names) if (!this.times.has(id)) this.read(id);
    return this.times;
  }

  /**
   * Record that `id` is held back now, unless some worker recorded it earlier. `waiting` tells
   * whether the task is still in the inbox; asked after the mark is written, and false undoes it.
   */
  mark(id: string, now: number, waiting: () => boolean): void {
    if (this.times.has(id)) return;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(path.join(this.dir, id), String(now), { flag: 'wx' });
      this.times.set(id, now);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') this.read(id);
      return;
    }
    if (!waiting()) this.forget(id);
  }

  /** The task started or left the queue: it is held by nothing any more. */
  forget(id: string): void {
    this.times.delete(id);
    fs.rmSync(path.join(this.dir, id), { force: true });
  }

  private read(id: string): void {
    try {
      const since = Number(fs.readFileSync(path.join(this.dir, id), 'utf8'));
      // An empty file is one being written right now; it is read again on the next refresh.
      if (since > 0) this.times.set(id, since);
    } catch {
      // Removed meanwhile: the task started.
    }
  }
}

const shared = new Map<string, HeldSince>();

/** One HeldSince per state folder per process. */
export function heldSinceFor(stateDir: string): HeldSince {
  let held = shared.get(stateDir);
  if (!held) shared.set(stateDir, (held = new HeldSince(path.join(stateDir, 'held'))));
  return held;
}
