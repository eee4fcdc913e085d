// Scheduling as `run` does it across worker processes: dependencies finish first, tasks touching
// the same file never overlap while disjoint work runs beside them, and a failed dependency fails
// its dependents with a record saying why.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, runCli, startCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import type { PlEvent } from '../../src/lifecycle/events.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const fast = ['--once', '--rescan-ms', '100', '--retry-backoff-ms', '50'];

function setup(): string {
  repo = tmpRepo();
  // Load thresholds off: on a busy test machine the pool would otherwise run one task at a time.
  writeConfig(repo, { pauseCpuPercent: 100, pauseMemoryPercent: 100, stepDownMemoryPercent: 100 });
  return repo;
}

/**
 * From attempt-started to attempt-finished (the agent's run), in ms since the epoch. Not to the done
 * event: that is written after the file moved to done/, so the next task may already have started.
 */
function span(events: readonly PlEvent[], id: string): [number, number] {
  const start = events.find((e) => e.type === 'attempt-started' && e.task === id);
  const end = events.find((e) => e.type === 'attempt-finished' && e.task === id);
  expect(start && end, `events of ${id}`).toBeTruthy();
  return [Date.parse(start!.time), Date.parse(end!.time)];
}

const overlap = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

describe('run: scheduling across workers', () => {
  it('starts a task only after its dependency is done, whichever worker has it', async () => {
    setup();
    writeTask(repo, 'a', { agent: 'shell', run: 'sleep 0.5; echo a > a.txt' });
    writeTask(repo, 'b', { agent: 'shell', run: 'echo b > b.txt', dependsOn: ['a'], priority: 9 });
    writeTask(repo, 'c', { agent: 'shell', run: 'echo c > c.txt', dependsOn: ['b'], priority: 9 });
    const run = await runCli(repo, ['run', '--agents', '3', ...fast]);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const events = readEvents(repo);
    expect(span(events, 'a')[1]).toBeLessThanOrEqual(span(events, 'b')[0]);
    expect(span(events, 'b')[1]).toBeLessThanOrEqual(span(events, 'c')[0]);
  });

  it('never overlaps two tasks touching src/a.ts, while a disjoint task runs beside them', async () => {
    setup();
    writeTask(repo, 'one', { agent: 'shell', run: 'sleep 1.5; echo 1 > one.txt', touches: ['src/a.ts'] });
    writeTask(repo, 'two', { agent: 'shell', run: 'sleep 1.5; echo 2 > two.txt', touches: ['src/a.ts'] });
    writeTask(repo, 'free', { agent: 'shell', run: 'sleep 1.5; echo f > free.txt', touches: ['docs/'] });
    const run = await runCli(repo, ['run', '--agents', '3', ...fast]);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const events = readEvents(repo);
    const [one, two, free] = [span(events, 'one'), span(events, 'two'), span(events, 'free')];
    expect(overlap(one, two), JSON.stringify({ one, two, free })).toBe(false);
    expect(overlap(free, one) || overlap(free, two), JSON.stringify({ one, two, free })).toBe(true);
  });

  it('four workers picking at the same moment start only one of six tasks on one file at a time', async () => {
    setup();
    const ids = ['s1', 's2', 's3', 's4', 's5', 's6'];
    for (const id of ids) writeTask(repo, id, { agent: 'shell', run: `sleep 0.3; echo ${id} > ${id}.txt`, touches: ['src/shared.ts'] });
    // Each claim pauses between its claim file and the move to running/: the window in which another worker
    // saw the task as waiting and, its own claim of it refused, picked the next one on the same file.
    const run = await runCli(repo, ['run', '--agents', '4', ...fast], { PL_FAULT: 'claim-written', PL_FAULT_PAUSE: '150' });

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const events = readEvents(repo);
    const spans = ids.map((id) => span(events, id));
    for (let i = 0; i < spans.length; i++) for (let j = i + 1; j < spans.length; j++) expect(overlap(spans[i]!, spans[j]!), `${ids[i]} and ${ids[j]}: ${JSON.stringify(spans)}`).toBe(false);
  });

  it('a task waiting on the files of a running one starts when that one ends, not at the next rescan', async () => {
    setup();
    writeTask(repo, 'first', { agent: 'shell', run: 'sleep 0.5; echo 1 > first.txt', touches: ['src/a.ts'], priority: 9 });
    writeTask(repo, 'second', { agent: 'shell', run: 'echo 2 > second.txt', touches: ['src/a.ts'] });
    // A rescan a minute apart: only the first task leaving running/ can wake the idle worker in time.
    const run = await runCli(repo, ['run', '--agents', '2', '--once', '--rescan-ms', '60000']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['first.json', 'second.json']);
    const events = readEvents(repo);
    expect(overlap(span(events, 'first'), span(events, 'second'))).toBe(false);
  }, 30_000);

  it('keeps apart tasks whose prompts name the same file when they declare no touches', async () => {
    setup();
    for (const id of ['p1', 'p2']) writeTask(repo, id, { agent: 'shell', run: `sleep 1; echo ${id} > ${id}.txt` }, 'Tidy up `src/shared.ts`');
    const run = await runCli(repo, ['run', '--agents', '2', ...fast]);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const events = readEvents(repo);
    expect(overlap(span(events, 'p1'), span(events, 'p2'))).toBe(false);
  });

  it('promotes a task held back by conflicts past starveAfterMs: nothing else starts in its area until it runs', async () => {
    const startOrder = async (starveAfterMs: number) => {
      setup();
      writeConfig(repo, { pauseCpuPercent: 100, pauseMemoryPercent: 100, stepDownMemoryPercent: 100, starveAfterMs });
      writeTask(repo, 'holdA', { agent: 'shell', run: 'sleep 1', touches: ['src/a.ts'], priority: 20 });
      writeTask(repo, 'holdB', { agent: 'shell', run: 'sleep 3', touches: ['src/b.ts'], priority: 19 });
      // Needs both files: held back (and marked so) from when holdA ends, while holdB holds src/b.ts.
      // Written before the run, so that its first hold does not wait on when this test sees the output.
      writeTask(repo, 'wide', { agent: 'shell', run: 'true', touches: ['src/a.ts', 'src/b.ts'], priority: 10 });
      // A stream of low-priority work that keeps one of its two files busy at any time.
      for (const [id, file] of [['y1', 'a'], ['x2', 'b'], ['y2', 'a'], ['x3', 'b']]) {
        writeTask(repo, id!, { agent: 'shell', run: 'sleep 1', touches: [`src/${file}.ts`], priority: 1 });
      }
      const result = await runCli(repo, ['run', '--agents', '2', ...fast]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      return readEvents(repo).filter((e) => e.type === 'attempt-started').map((e) => e.task);
    };
    // First held when holdA ends (y1 overtakes it then) and promoted 300 ms later: from then on nothing
    // else starts in src/a.ts or src/b.ts, so it runs once y1 and holdB have ended, before the rest of the
    // stream. holdB ends 2 s after holdA: a margin for the promotion that a loaded machine does not eat.
    const promoted = await startOrder(300);
    expect(promoted.slice(0, 4), promoted.join(' ')).toEqual(expect.arrayContaining(['holdA', 'holdB', 'y1', 'wide']));
    expect(fs.readdirSync(path.join(repo, '.parallel-loop/held'))).toEqual([]);
    // Out of reach of promotion, the stream keeps overtaking it: y1 takes src/a.ts when holdA ends, and
    // y2 after it, so wide can start only after holdB ends and behind at least those two.
    const overtaken = await startOrder(600_000);
    expect(overtaken.indexOf('wide'), overtaken.join(' ')).toBeGreaterThanOrEqual(4);
    expect(fs.readdirSync(path.join(repo, '.parallel-loop/held'))).toEqual([]);
  });

  it('fails the dependents of a failed task, each with a record naming the dependency', async () => {
    setup();
    writeTask(repo, 'base', { agent: 'shell', run: 'exit 4', maxAttempts: 1 });
    writeTask(repo, 'mid', { agent: 'shell', run: 'true', dependsOn: ['base'] });
    writeTask(repo, 'top', { agent: 'shell', run: 'true', dependsOn: ['mid'] });
    const run = await runCli(repo, ['run', '--agents', '2', ...fast]);

    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(tasksIn(repo, 'failed')).toEqual(['base.json', 'mid.json', 'top.json']);
    const reason = (id: string) => JSON.parse(fs.readFileSync(path.join(repo, 'queue/failed', `${id}.error.json`), 'utf8')).reason as string;
    expect(reason('mid')).toMatch(/^dependency `base` failed \(see queue\/failed\/base\.error\.json\)/);
    expect(reason('top')).toMatch(/^dependency `mid` failed/);
    expect(readEvents(repo).filter((e) => e.type === 'attempt-started').map((e) => e.task)).toEqual(['base']);
  });
});
