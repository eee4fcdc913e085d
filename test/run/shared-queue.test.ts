// Runs that share one queue: a supervisor killed mid-task, and two supervisors at once.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, processesIn, readEvents, runCli, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { waitFor } from '../proc/processes.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const ids = ['t1', 't2', 't3', 't4', 't5', 't6'];
const fast = ['--rescan-ms', '100', '--retry-backoff-ms', '50'];

/** Tasks that wait for the test's go-ahead (the file `go`), then write `<id>.txt`. */
function writeTasks(count: number): { some: string[]; go: () => void } {
  const go = path.join(tmpDir('pl-go-'), 'go');
  const some = ids.slice(0, count);
  for (const id of some) writeTask(repo, id, { agent: 'shell', run: `while [ ! -e '${go}' ]; do sleep 0.05; done; echo ${id} > ${id}.txt` });
  return { some, go: () => fs.writeFileSync(go, '') };
}

/** Every task in done/ once, its file on main, landed by exactly one commit. */
function expectAllLandedOnce(some: string[]): void {
  expect(tasksIn(repo, 'done')).toEqual(some.map((id) => `${id}.json`));
  expect(tasksIn(repo, 'inbox')).toEqual([]);
  expect(tasksIn(repo, 'running')).toEqual([]);
  const subjects = git(repo, 'log', '--first-parent', '--format=%s', 'main').split('\n');
  for (const id of some) {
    expect(git(repo, 'show', `main:${id}.txt`)).toBe(id);
    expect(subjects.filter((s) => s.startsWith(`Land task ${id}:`))).toHaveLength(1);
  }
}

describe('run: shared queue', () => {
  it('survives its supervisor being killed: workers finish their task, a later run does the rest', async () => {
    repo = tmpRepo();
    const { some, go } = writeTasks(4);
    const run = startCli(repo, ['run', '--agents', '2', '--once', ...fast]);
    // No task can end before the go-ahead, so these are the first task of each worker.
    await waitFor(() => (run.stdout.match(/working on/g) ?? []).length === 2, 20_000);
    const running = tasksIn(repo, 'running');
    expect(running).toHaveLength(2);

    process.kill(run.child.pid!, 'SIGKILL');
    go();
    // The pipes close once the orphaned workers, which inherited them, have finished and exited.
    await run.done;
    expect(processesIn(repo)).toEqual([]);
    expect(tasksIn(repo, 'done')).toEqual(running);
    expect(tasksIn(repo, 'inbox')).toHaveLength(2);
    expect(tasksIn(repo, 'running')).toEqual([]);

    const again = await runCli(repo, ['run', '--agents', '2', '--once', ...fast]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expectAllLandedOnce(some);
    const done = readEvents(repo).filter((e) => e.type === 'done').map((e) => e.task);
    expect(done.sort()).toEqual(some);
  });

  it('gives two supervisors on one queue distinct agent ids', async () => {
    repo = tmpRepo();
    const { some, go } = writeTasks(6);
    const runs = [startCli(repo, ['run', '--agents', '2', '--once', ...fast]), startCli(repo, ['run', '--agents', '2', '--once', ...fast])];
    // Held until both have started their workers: neither may drain the queue and let go of its slots first.
    await waitFor(() => readEvents(repo).filter((e) => e.type === 'agent-spawned').length === 4, 20_000);
    go();
    const [a, b] = await Promise.all(runs.map((r) => r.done));

    expect([a.code, b.code], a.stdout + a.stderr + b.stdout + b.stderr).toEqual([0, 0]);
    const spawned = readEvents(repo).filter((e) => e.type === 'agent-spawned').map((e) => e.agent);
    expect(spawned.sort()).toEqual(['agent-1', 'agent-2', 'agent-3', 'agent-4']);
    const own = (out: string) => [...out.matchAll(/(agent-\d+) +started/g)].map((m) => m[1]!);
    expect([...own(a.stdout), ...own(b.stdout)].sort()).toEqual(['agent-1', 'agent-2', 'agent-3', 'agent-4']);
    expectAllLandedOnce(some);
    expect(fs.existsSync(path.join(repo, '.parallel-loop/agents/agent-5'))).toBe(false);
  });
});
