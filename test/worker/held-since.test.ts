import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeldSince } from '../../src/worker/held-since.js';
import { tmpDir } from '../helpers/tmp.js';

describe('HeldSince', () => {
  it('keeps the earliest time any worker saw a task held, and forgets it once the task starts', () => {
    const dir = path.join(tmpDir(), 'held');
    const one = new HeldSince(dir);
    const two = new HeldSince(dir);
    one.mark('wide', 1000, () => true);
    two.mark('wide', 5000, () => true);
    expect(two.refresh().get('wide')).toBe(1000);
    expect(new HeldSince(dir).refresh()).toEqual(new Map([['wide', 1000]]));
    two.forget('wide');
    expect(one.refresh().has('wide')).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('leaves no mark for a task taken between the look that found it held and the mark', () => {
    const dir = path.join(tmpDir(), 'held');
    const marker = new HeldSince(dir);
    const taker = new HeldSince(dir);
    // The taker forgets before the mark is written (its first forget, at pick time) ...
    taker.forget('x2');
    // ... and the marker, writing late, finds the task no longer in the inbox.
    marker.mark('x2', 1000, () => false);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(marker.refresh().has('x2')).toBe(false);
  });

  it('skips a file still being written and reads it on the next refresh', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'half'), '');
    const held = new HeldSince(dir);
    expect(held.refresh().has('half')).toBe(false);
    fs.writeFileSync(path.join(dir, 'half'), '42');
    expect(held.refresh().get('half')).toBe(42);
  });
});
