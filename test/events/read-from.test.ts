import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEventsFrom } from '../../src/events/read-from.js';
import { tmpDir } from '../helpers/tmp.js';

const line = (n: number) => JSON.stringify({ time: `2030-01-01T00:00:0${n}.000Z`, type: 'done', task: `t${n}` }) + '\n';

describe('readEventsFrom', () => {
  it('reads only what was appended, and leaves a line being written for the next read', () => {
    const file = path.join(tmpDir(), 'events.jsonl');
    fs.writeFileSync(file, line(1) + line(2));
    const first = readEventsFrom(file, 0);
    expect(first.events.map((e) => e.task)).toEqual(['t1', 't2']);
    fs.appendFileSync(file, line(3) + '{"time":"2030-01-01T00:00:04.000Z","ty');
    const second = readEventsFrom(file, first.offset, first.ino);
    expect(second.events.map((e) => e.task)).toEqual(['t3']);
    expect(second.restarted).toBe(false);
    fs.appendFileSync(file, 'pe":"done","task":"t4"}\n');
    expect(readEventsFrom(file, second.offset, second.ino).events.map((e) => e.task)).toEqual(['t4']);
  });

  it('starts over when the log shrank, was replaced, or was rewritten in place', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, line(1) + line(2));
    const { offset, ino } = readEventsFrom(file, 0);
    fs.writeFileSync(file, line(3));
    expect(readEventsFrom(file, offset, ino)).toMatchObject({ restarted: true, events: [{ task: 't3' }] });
    // Same inode, longer than before, but no line ends where the last read stopped.
    fs.writeFileSync(file, '{"time":"2030-01-01T00:00:05.000Z","type":"failed","task":"long-name"}\n' + line(6));
    const rewritten = readEventsFrom(file, offset, ino);
    expect(rewritten.restarted).toBe(true);
    expect(rewritten.events.map((e) => e.task)).toEqual(['long-name', 't6']);
    fs.writeFileSync(path.join(dir, 'other'), line(7));
    fs.renameSync(path.join(dir, 'other'), file);
    expect(readEventsFrom(file, rewritten.offset, rewritten.ino)).toMatchObject({ restarted: true, events: [{ task: 't7' }] });
  });

  it('reads a missing log as empty', () => {
    expect(readEventsFrom(path.join(tmpDir(), 'none.jsonl'), 0)).toEqual({ events: [], offset: 0, ino: 0, restarted: false });
  });
});
