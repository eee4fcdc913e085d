// An idle worker picks up a dropped file within a second through the watcher, even when the periodic
// rescan (the source of truth when events are lost) is a minute away.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, startCli, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

describe('run: the inbox watcher', () => {
  it('wakes an idle worker for a new task well before the next rescan', async () => {
    repo = tmpRepo();
    const run = startCli(repo, ['run', '--agents', '1', '--rescan-ms', '60000']);
    try {
      await run.waitForOutput('started (pid');
      // Let the worker go idle: its first look at the empty inbox starts its minute-long sleep.
      await new Promise((r) => setTimeout(r, 1500));
      const dropped = Date.now();
      writeTask(repo, 'late', { agent: 'shell', run: 'echo late > late.txt' });
      await run.waitForOutput('working on late', 10_000);
      const started = readEvents(repo).find((e) => e.type === 'attempt-started' && e.task === 'late')!;
      // The bound is loose on purpose (a busy machine must not flake this); the point is it is not the rescan.
      const latency = Date.parse(started.time) - dropped;
      console.log(`dropped file picked up after ${latency} ms (rescan every 60000 ms)`);
      expect(latency).toBeLessThan(10_000);
      await run.waitForOutput('done late', 20_000);
      expect(fs.existsSync(path.join(repo, 'queue', 'done', 'late.json'))).toBe(true);
    } finally {
      process.kill(-run.child.pid!, 'SIGINT');
      await run.done;
    }
  });
});
