// An idle worker picks up a dropped file through the watcher, even when the periodic rescan (the source
// of truth when events are lost) is an hour away.
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
    const run = startCli(repo, ['run', '--agents', '1', '--rescan-ms', '3600000']);
    try {
      await run.waitForOutput('started (pid');
      // Let the worker go idle: its first look at the empty inbox starts its hour-long sleep.
      await new Promise((r) => setTimeout(r, 1500));
      const dropped = Date.now();
      writeTask(repo, 'late', { agent: 'shell', run: 'echo late > late.txt' });
      // With the rescan an hour away, a start within the test's time can only have been the watcher's.
      await run.waitForOutput('working on late', 40_000);
      const started = readEvents(repo).find((e) => e.type === 'attempt-started' && e.task === 'late')!;
      console.log(`dropped file picked up after ${Date.parse(started.time) - dropped} ms (rescan every 3600000 ms)`);
      await run.waitForOutput('done late', 20_000);
      expect(fs.existsSync(path.join(repo, 'queue', 'done', 'late.json'))).toBe(true);
    } finally {
      process.kill(-run.child.pid!, 'SIGINT');
      await run.done;
    }
  });
});
