import fs from 'node:fs';
import type { PlEvent } from '../lifecycle/events.js';

/** What one incremental read of the event log found. */
export interface EventTail {
  events: PlEvent[];
  /** Byte offset just after the last complete line read: where the next read starts. */
  offset: number;
  /** Inode of the log, to notice when it was replaced rather than appended to. */
  ino: number;
  /** True when the log was shorter than `from`, another file, or rewritten: the read started over at 0. */
  restarted: boolean;
}

/** Reads bigger than this are done in pieces, so a huge first read does not hold one giant string. */
const CHUNK = 4 * 1024 * 1024;

/**
 * Read the events appended to `file` since byte `from`. Only complete lines are consumed: a line a
 * writer has not finished yet is left for the next read. Unparseable lines (a crash mid-write) are
 * skipped. A missing log reads as empty at offset 0.
 */
export function readEventsFrom(file: string, from: number, ino?: number): EventTail {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { events: [], offset: 0, ino: 0, restarted: from > 0 };
  }
  try {
    const st = fs.fstatSync(fd);
    const restarted = st.size < from || (ino !== undefined && ino !== 0 && ino !== st.ino) || !lineEndsAt(fd, from);
    let offset = restarted ? 0 : from;
    const events: PlEvent[] = [];
    while (offset < st.size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, st.size - offset));
      const got = fs.readSync(fd, buf, 0, buf.length, offset);
      const end = buf.lastIndexOf(0x0a, got - 1);
      // No newline in a whole chunk: a line longer than CHUNK or an unfinished one; stop here.
      if (end < 0) break;
      parseLines(buf.toString('utf8', 0, end), events);
      offset += end + 1;
      if (got < buf.length) break;
    }
    return { events, offset, ino: st.ino, restarted };
  } finally {
    fs.closeSync(fd);
  }
}

// A log rewritten in place (same inode, grown past our offset) no longer has a line end just before
// the offset; one byte read tells, so such a log is read again from the start.
function lineEndsAt(fd: number, offset: number): boolean {
  if (offset === 0) return true;
  const byte = Buffer.alloc(1);
  return fs.readSync(fd, byte, 0, 1, offset - 1) === 1 && byte[0] === 0x0a;
}

function parseLines(text: string, into: PlEvent[]): void {
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      into.push(JSON.parse(line) as PlEvent);
    } catch {
      // a line cut short by a crash
    }
  }
}
