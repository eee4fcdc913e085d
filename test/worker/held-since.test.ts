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
    one.mark('wide', 1000);
    two.mark('wide', 5000);
    expect(two.refresh().get('wide')).toBe(1000);
    expect(new HeldSince(dir).refresh()).toEqual(new Map([['wide', 1000]]));
    two.forget('wide');
    expect(one.refresh().has('wide')).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
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
