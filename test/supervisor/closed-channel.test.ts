// A message to a process that just died must not end the sender: the supervisor sending `start` to a
// worker killed right after fork, and a worker sending an event after its supervisor was killed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { waitFor } from '../proc/processes.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/closed-channel.mjs');

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe('a send on a channel whose other end died', () => {
  it('supervisor side: a plain send would crash the sender (EPIPE), sendToWorker does not', async () => {
    // The write meets EPIPE in most tries, not all (the kernel may still take it): try until it does.
    let raw = await run(['to-worker', 'raw']);
    for (let i = 0; i < 15 && raw.code === 0; i++) raw = await run(['to-worker', 'raw']);
    expect(raw.code).not.toBe(0);
    expect(raw.out).toMatch(/EPIPE|ERR_IPC_CHANNEL_CLOSED/);
    for (let i = 0; i < 3; i++) {
      const safe = await run(['to-worker', 'safe']);
      expect(safe.out).toContain('survived');
      expect(safe.code).toBe(0);
    }
  });

  it('worker side: a plain process.send would crash the worker, sendToSupervisor does not', async () => {
    const dir = tmpDir();
    const rawFile = path.join(dir, 'raw');
    await run(['to-supervisor', 'raw', rawFile]);
    const safeFile = path.join(dir, 'safe');
    await run(['to-supervisor', 'safe', safeFile]);
    // Read until whole: the file exists a moment before its line is in it.
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
    await waitFor(() => read(safeFile) === 'survived\n', 10_000);
    expect(read(safeFile)).toBe('survived\n');
    // The raw worker died of its EPIPE: given the same time (and more), it wrote nothing.
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.existsSync(rawFile)).toBe(false);
  });
});
