// --single runs the worker loop in the CLI's own process; --in-place also works in the checkout itself.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, processesIn, readEvents, runCli, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { waitFor } from '../proc/processes.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const fast = ['--once', '--rescan-ms', '100'];
const isNode = (pid: number) => {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`) === fs.realpathSync(process.execPath);
  } catch {
    return false;
  }
};

describe('run --single', () => {
  it('runs agents from the CLI process itself, with no worker processes', async () => {
    repo = tmpRepo();
    const go = path.join(tmpDir('pl-go-'), 'go');
    writeTask(repo, 'one', { agent: 'shell', run: `echo $PPID > parent.txt; while [ ! -e '${go}' ]; do sleep 0.05; done`, priority: 1 });
    writeTask(repo, 'two', { agent: 'shell', run: 'echo two > two.txt' });
    const run = startCli(repo, ['run', '--single', ...fast]);
    // The agent slot's warm worktree (worktrees: warm, the default).
    await waitFor(() => fs.existsSync(path.join(repo, '.parallel-loop/worktrees/agent-1/parent.txt')), 20_000);
    // While the agent runs, the CLI is the only node process working in this repository.
    expect(processesIn(repo).filter(isNode)).toEqual([run.child.pid]);
    fs.writeFileSync(go, '');
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(Number(git(repo, 'show', 'main:parent.txt'))).toBe(run.child.pid);
    expect(git(repo, 'show', 'main:two.txt')).toBe('two');
    expect(tasksIn(repo, 'done')).toEqual(['one.json', 'two.json']);
    expect(readEvents(repo).filter((e) => e.type === 'agent-spawned')).toEqual([]);
    expect(result.stdout).toContain('single agent, no fork');
  });

  it.each(['git', 'verify'])('finishes and lands the running task on one Ctrl-C, even while %s runs', async (holder) => {
    repo = tmpRepo();
    const dir = tmpDir('pl-go-');
    const [inside, go] = [path.join(dir, 'inside'), path.join(dir, 'go')];
    // Held open until the test's go-ahead, so Ctrl-C surely reaches the process group while it runs.
    const hold = `touch '${inside}'; while [ ! -e '${go}' ]; do sleep 0.05; done`;
    if (holder === 'git') fs.writeFileSync(path.join(repo, '.git/hooks/post-checkout'), `#!/bin/sh\n${hold}\n`, { mode: 0o755 });
    writeTask(repo, 'slow', { agent: 'shell', run: 'echo slow > slow.txt', ...(holder === 'verify' ? { verify: hold } : {}) });
    const run = startCli(repo, ['run', '--single', '--rescan-ms', '100']);
    await waitFor(() => fs.existsSync(inside), 20_000);
    process.kill(-run.child.pid!, 'SIGINT');
    await run.waitForOutput('stopping: running tasks finish and land first');
    fs.writeFileSync(go, '');
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(130);
    expect(git(repo, 'show', 'main:slow.txt')).toBe('slow');
    expect(tasksIn(repo, 'done')).toEqual(['slow.json']);
  });

  it('--in-place commits in the current checkout, creates no worktree, and keeps its own files out of the commits', async () => {
    repo = tmpRepo();
    writeTask(repo, 'first', { agent: 'shell', run: 'echo first > first.txt' });
    writeTask(repo, 'second', { agent: 'shell', run: 'echo second > second.txt', dependsOn: ['first'] });
    const result = await runCli(repo, ['run', '--single', '--in-place', ...fast]);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['first.json', 'second.json']);
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(fs.readdirSync(path.join(repo, '.parallel-loop/worktrees'))).toEqual([]);
    expect(git(repo, 'branch', '--format=%(refname:short)')).toBe('main');
    // Both commits are on the checked-out branch, hold only the tasks' files, and the checkout is clean.
    expect(git(repo, 'log', '--format=%s', 'main').split('\n')).toEqual([
      'Task second',
      'Task first',
      'initial',
    ]);
    expect(git(repo, 'show', '--name-only', '--format=', 'main~1')).toBe('first.txt');
    expect(git(repo, 'show', '--name-only', '--format=', 'main')).toBe('second.txt');
    expect(git(repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(fs.readFileSync(path.join(repo, 'second.txt'), 'utf8')).toBe('second\n');
  });
});
