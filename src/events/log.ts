import fs from 'node:fs';
import path from 'node:path';
import type { PlEvent, PlEventInput } from '../lifecycle/events.js';

/**
 * Append one event. The whole line goes out in a single write(2) on a file opened with O_APPEND,
 * so concurrent writers from many processes never interleave inside a line.
 */
export function appendEvent(file: string, event: PlEventInput): PlEvent {
  const full = { time: new Date().toISOString(), ...event } as PlEvent;
  const line = Buffer.from(JSON.stringify(full) + '\n');
  let fd: number;
  try {
    fd = fs.openSync(file, 'a');
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(file, 'a');
  }
  try {
    fs.writeSync(fd, line, 0, line.length);
  } finally {
    fs.closeSync(fd);
  }
  return full;
}

/** Read every parseable event; a torn last line (a crash mid-write) is skipped. */
export function readEvents(file: string): PlEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const events: PlEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      events.push(JSON.parse(line) as PlEvent);
    } catch {
      // skip: a line cut short by a crash
    }
  }
  return events;
}
