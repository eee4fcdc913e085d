// Ctrl-C (SIGINT to the whole process group, as a terminal sends it): once lets running tasks finish
// and land, twice stops their agents, keeps their work on the branch and puts the tasks back.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, processesIn, readEvents, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { expectAllGone, readPids, waitFor } from '../proc/processes.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const ctrlC = (pid: number) => process.kill(-pid, 'SIGINT');

describe('run: signals', () => {
  it('SIGINT once: the running task finishes and lands, nothing new starts, exit 130', async () => {
    repo = tmpRepo();
    const dir = tmpDir('pl-go-');
    const [inGit, go] = [path.join(dir, 'in-git'), path.join(dir, 'go')];
    // A hook holds `git worktree add` open until the test's go-ahead, so Ctrl-C surely lands while a
    // worker's git command runs: the terminal signals the whole foreground group, git included.
    const hook = path.join(repo, '.git/hooks/post-checkout');
    fs.writeFileSync(hook, `#!/bin/sh\ntouch '${inGit}'\nwhile [ ! -e '${go}' ]; do sleep 0.05; done\n`, { mode: 0o755 });
    writeTask(repo, 'slow', { agent: 'shell', run: 'echo slow > slow.txt', priority: 1 });
    writeTask(repo, 'later', { agent: 'shell', run: 'echo later > later.txt' });
    const run = startCli(repo, ['run', '--agents', '1', '--rescan-ms', '100']);
    await run.waitForOutput('working on slow');
    await waitFor(() => fs.existsSync(inGit), 10_000);

    ctrlC(run.child.pid!);
    await run.waitForOutput('stopping: running tasks finish and land first');
    fs.writeFileSync(go, '');
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(130);
    expect(result.stdout).toMatch(/done slow: landed/);
    expect(git(repo, 'show', 'main:slow.txt')).toBe('slow');
    expect(tasksIn(repo, 'done')).toEqual(['slow.json']);
    expect(tasksIn(repo, 'inbox')).toEqual(['later.json']);
    expect(readEvents(repo).some((e) => e.task === 'later')).toBe(false);
    expect(processesIn(repo)).toEqual([]);
  });

  it('SIGINT twice: the agent tree is killed, its work kept as WIP on its branch, the task requeued, exit 130', async () => {
    repo = tmpRepo();
    const pidFile = path.join(tmpDir('pl-pids-'), 'pids');
    writeTask(repo, 'long', { agent: 'shell', run: `echo $$ >> '${pidFile}'; echo partial > partial.txt; sleep 30 & echo $! >> '${pidFile}'; wait` });
    const run = startCli(repo, ['run', '--agents', '1', '--rescan-ms', '100', '--kill-grace-ms', '500']);
    await run.waitForOutput('working on long');
    await waitFor(() => readPids(pidFile).length === 2, 10_000);

    ctrlC(run.child.pid!);
    await run.waitForOutput('stopping: running tasks finish');
    // A terminal delivers the second Ctrl-C as a separate signal; give the first its turn.
    await sleep(100);
    ctrlC(run.child.pid!);
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(130);
    await expectAllGone(readPids(pidFile));
    expect(tasksIn(repo, 'inbox')).toEqual(['long.json']);
    expect(tasksIn(repo, 'running')).toEqual([]);
    const released = JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/claims/long/1.released'), 'utf8'));
    expect(released.outcome).toBe('requeued');
    expect(git(repo, 'show', 'pl/long/1:partial.txt')).toBe('partial');
    expect(git(repo, 'log', '-1', '--format=%s', 'pl/long/1')).toMatch(/^WIP/);
    expect(git(repo, 'log', '--format=%s', 'main')).toBe('initial');
    expect(result.stdout).toMatch(/requeued long/);
    expect(processesIn(repo)).toEqual([]);
  });
});
