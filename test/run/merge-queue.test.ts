// The merge queue through real runs: finished tasks wait in the landing queue (status, status --json and
// board.md show it in order) while another lander holds the turn; one lander then lands them together
// with one verify run; a lander SIGKILLed mid-batch leaves every task landed exactly once in the end.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const fast = ['--once', '--rescan-ms', '100', '--retry-backoff-ms', '50', '--heartbeat-ms', '200', '--monitor-ms', '200'];

function tasks(ids: string[]): void {
  for (const id of ids) writeTask(repo, id, { agent: 'shell', run: `echo ${id} > ${id}.txt` });
}
function verifyCounting(log: string): string {
  return `echo "$PL_TASKS" >> ${log}`;
}
const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
const trailers = (id: string) => git(repo, 'log', '--first-parent', '--format=%B', 'main').split('\n').filter((l) => l === `Parallel-Loop-Task: ${id}`).length;

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('run: merge queue', () => {
  it('finished tasks wait in the landing queue in order, then land as one batch with one verify run', async () => {
    repo = tmpRepo();
    const log = path.join(tmpDir(), 'verify.log');
    const ids = ['t1', 't2', 't3', 't4', 't5'];
    tasks(ids);
    // Another lander holds the turn (a live lock): the tasks finish and queue up behind it.
    const lock = path.join(repo, '.parallel-loop', 'locks', 'lander-main.lock');
    fs.mkdirSync(lock, { recursive: true });
    // Kept fresh, as its holder would, however long a loaded machine takes.
    const holder = setInterval(() => fs.existsSync(lock) && fs.utimesSync(lock, new Date(), new Date()), 1000);
    const run = startCli(repo, ['run', '--agents', '2', ...fast, '--verify', verifyCounting(log)]);
    await until('5 ready tasks', () => readEvents(repo).filter((e) => e.type === 'ready').length === 5);

    const status = await runCli(repo, ['status', '--json']);
    const landing = JSON.parse(status.stdout).landing as Array<{ task: string; queue?: number; reason: string }>;
    const readyOrder = readEvents(repo).filter((e) => e.type === 'ready').map((e) => e.task);
    expect(landing.map((l) => l.task)).toEqual(readyOrder);
    expect(landing.map((l) => l.queue)).toEqual([1, 2, 3, 4, 5]);
    expect((await runCli(repo, ['status'])).stdout).toContain(`${readyOrder[0]} (attempt 1): ready to land (1 of 5 in the landing queue)`);
    const board = fs.readFileSync(path.join(repo, '.parallel-loop', 'board.md'), 'utf8');
    expect(board).toContain(`${readyOrder[4]}: ready to land (5 of 5 in the landing queue)`);
    expect(lines(log)).toEqual([]);

    clearInterval(holder);
    fs.rmSync(lock, { recursive: true });
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(lines(log)).toEqual([readyOrder.join(' ')]);
    expect(result.stdout).toContain('Merge queue: 5 landings in 1 batch, 1 verify run');
    const batches = readEvents(repo).filter((e) => e.type === 'batch');
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ tasks: readyOrder, landed: readyOrder, verifyRuns: 1 });
    expect(tasksIn(repo, 'done').sort()).toEqual(ids.map((id) => `${id}.json`));
    for (const id of ids) expect(trailers(id)).toBe(1);
    // The worktrees went when the tasks became ready, the branches once they landed.
    expect(git(repo, 'branch', '--list', 'pl/*')).toBe('');
    // The lander's verify worktree stays for the next batch; `clean` takes it once no run holds it.
    expect(git(repo, 'worktree', 'list')).toContain(path.join('.parallel-loop', 'verify'));
    const cleaned = await runCli(repo, ['clean']);
    expect(cleaned.stdout).toContain('the lander worktree of');
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  }, 180_000);

  it('a bad task in the batch fails alone with the verify output, and the others land', async () => {
    repo = tmpRepo();
    const log = path.join(tmpDir(), 'verify.log');
    tasks(['good1', 'good2', 'good3']);
    writeTask(repo, 'bad', { agent: 'shell', run: 'echo broken > bad.txt', maxAttempts: 1 });
    const lock = path.join(repo, '.parallel-loop', 'locks', 'lander-main.lock');
    fs.mkdirSync(lock, { recursive: true });
    const holder = setInterval(() => fs.existsSync(lock) && fs.utimesSync(lock, new Date(), new Date()), 1000);
    const verify = `${verifyCounting(log)}; if [ -f bad.txt ]; then echo "bad.txt breaks the build"; exit 1; fi`;
    const run = startCli(repo, ['run', '--agents', '2', ...fast, '--verify', verify]);
    await until('4 ready tasks', () => readEvents(repo).filter((e) => e.type === 'ready').length === 4);
    clearInterval(holder);
    fs.rmSync(lock, { recursive: true });
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(tasksIn(repo, 'done').sort()).toEqual(['good1.json', 'good2.json', 'good3.json']);
    expect(tasksIn(repo, 'failed')).toEqual(['bad.json']);
    const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue', 'failed', 'bad.error.json'), 'utf8'));
    expect(record.output).toContain('bad.txt breaks the build');
    expect(lines(log).length).toBeLessThanOrEqual(1 + 2 * Math.log2(4));
    for (const id of ['good1', 'good2', 'good3']) expect(trailers(id)).toBe(1);
    expect(trailers('bad')).toBe(0);
  }, 180_000);

  it.each(['batch-verify', 'batch-landed'])('a lander SIGKILLed mid-batch (%s): every task lands exactly once', async (step) => {
    repo = tmpRepo();
    const log = path.join(tmpDir(), 'verify.log');
    const ids = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    tasks(ids);
    const once = path.join(tmpDir(), 'fault-once');
    const env = { PL_FAULT: step, PL_FAULT_ONCE: once };
    const result = await startCli(repo, ['run', '--agents', '2', ...fast, '--stale-after-ms', '1500', '--verify', verifyCounting(log)], env).done;

    expect(fs.existsSync(once), 'the fault fired').toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done').sort()).toEqual(ids.map((id) => `${id}.json`));
    for (const id of ids) expect(trailers(id), id).toBe(1);
    expect(readEvents(repo).some((e) => e.type === 'reclaimed')).toBe(true);
  });
});
