// The lock a slot's worktree is handed on under: one holder at a time across processes, and a holder
// SIGKILLed inside it is taken over at once, not after the stale time (here far longer than the test).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withOwnedLock } from '../../src/git/owned-lock.js';
import { distModule } from './fixture.js';

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-lock-'));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const NEVER_STALE = { staleMs: 600_000, waitMs: 30_000 };
const fixture = path.join(import.meta.dirname, 'fixtures', 'owned-lock.mjs');
const dist = () => path.dirname(path.dirname(distModule('git/owned-lock.js')));
const locks = () => path.join(dir, 'locks');

function start(mode: 'hold' | 'count', file: string): { child: ChildProcess; done: Promise<number | null> } {
  const child = spawn(process.execPath, [fixture, dist(), locks(), mode, file], { stdio: 'ignore' });
  children.push(child);
  return { child, done: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('withOwnedLock', () => {
  it('lets one holder in at a time', async () => {
    const inside: number[] = [];
    let now = 0;
    const hold = (i: number) => withOwnedLock(locks(), 'slot', async () => {
      now++;
      inside.push(now);
      await new Promise((r) => setTimeout(r, 10));
      now--;
      return i;
    }, NEVER_STALE);
    expect(await Promise.all([1, 2, 3, 4, 5].map(hold))).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...inside)).toBe(1);
    expect(fs.readdirSync(locks())).toEqual([]);
  });

  it('waits while a live holder has it', async () => {
    const held = path.join(dir, 'held');
    start('hold', held);
    await until(() => fs.existsSync(held));
    await expect(withOwnedLock(locks(), 'slot', async () => 'in', { staleMs: 600_000, waitMs: 300 })).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
  });

  it('takes over at once from a holder that was SIGKILLed inside it', async () => {
    const held = path.join(dir, 'held');
    const holder = start('hold', held);
    await until(() => fs.existsSync(held));
    holder.child.kill('SIGKILL');
    await holder.done;
    expect(await withOwnedLock(locks(), 'slot', async () => 'in', NEVER_STALE)).toBe('in');
  });

  it('hands a dead holder\'s lock to one waiter at a time when several find it', async () => {
    const held = path.join(dir, 'held');
    const holder = start('hold', held);
    await until(() => fs.existsSync(held));
    const counter = path.join(dir, 'counter');
    const waiters = Array.from({ length: 4 }, () => start('count', counter));
    await new Promise((r) => setTimeout(r, 300));
    holder.child.kill('SIGKILL');
    expect(await Promise.all(waiters.map((w) => w.done))).toEqual([0, 0, 0, 0]);
    expect(fs.readFileSync(counter, 'utf8')).toBe('4');
    expect(fs.readdirSync(locks())).toEqual([]);
  });
});
