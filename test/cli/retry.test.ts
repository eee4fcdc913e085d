// `retry <task>`: a failed task goes back to the inbox with a fresh attempt budget and no back-off;
// its claim history stays, and the failure record moves into it.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, tasksIn, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

describe('retry', () => {
  it('moves a failed task back; the next run starts it at attempt 1 at once and it lands', async () => {
    repo = tmpRepo();
    const marker = path.join(tmpDir('pl-marker-'), 'ok');
    writeTask(repo, 'flaky', { agent: 'shell', run: `test -e '${marker}' || exit 3; echo ok > ok.txt`, maxAttempts: 1 });
    // A long back-off: the retried task must not wait for it.
    const runArgs = ['run', '--agents', '1', '--once', '--rescan-ms', '100', '--retry-backoff-ms', '600000'];
    const first = await runCli(repo, runArgs);
    expect(first.code, first.stdout).toBe(1);
    expect(tasksIn(repo, 'failed')).toEqual(['flaky.json']);
    const failure = fs.readFileSync(path.join(repo, 'queue/failed/flaky.error.json'), 'utf8');

    const retry = await runCli(repo, ['retry', 'flaky']);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toContain('flaky is back in the queue as queue/flaky.json');
    expect(tasksIn(repo, 'inbox')).toEqual(['flaky.json']);
    expect(fs.existsSync(path.join(repo, 'queue/failed/flaky.error.json'))).toBe(false);
    const claims = path.join(repo, '.parallel-loop/claims/flaky');
    expect(fs.readFileSync(path.join(claims, 'retry-2.json'), 'utf8')).toBe(failure);
    expect(JSON.parse(fs.readFileSync(path.join(claims, '2.released'), 'utf8'))).toMatchObject({ outcome: 'retry', resetAttempts: true, attempted: false });

    fs.writeFileSync(marker, '');
    // The back-off is ten minutes, far past the test's timeout: landing at all shows the retry skipped it.
    const second = await runCli(repo, runArgs);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['flaky.json']);
    expect(git(repo, 'show', 'main:ok.txt')).toBe('ok');
    const attempts = readEvents(repo).filter((e) => e.type === 'attempt-started').map((e) => [e.gen, e.attempt]);
    expect(attempts).toEqual([[1, 1], [3, 1]]);
    // The whole history is still there: the failed attempt, the retry, the attempt that landed.
    expect(fs.readdirSync(claims).filter((n) => /^\d+(\.released)?$/.test(n)).sort()).toEqual(['1', '1.released', '2', '2.released', '3', '3.released']);
  });

  it('refuses a task that is not in failed/, saying where it is', async () => {
    repo = tmpRepo();
    writeTask(repo, 'waiting', { agent: 'shell', run: 'true' });
    const result = await runCli(repo, ['retry', 'waiting']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Task `waiting` is not in failed/ but in the inbox');
    const missing = await runCli(repo, ['retry', 'ghost', '--json']);
    expect(missing.code).toBe(5);
    expect(JSON.parse(missing.stdout).error.code).toBe('TASK_NOT_FOUND');
  });
});
