// Warm worktrees (the default, `worktrees: warm`), through real runs of the CLI: each agent slot keeps one
// worktree between tasks; a task never sees what the last task on its slot left, except the kept dependency
// folders; `setup` runs once per slot until a `setupWhen` file changes on the target; `worktrees: fresh`
// works as before.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import type { PlEvent } from '../../src/lifecycle/events.js';

const repos: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) killProcessesIn(repo);
});

const FAST = ['--once', '--rescan-ms', '100', '--monitor-ms', '200', '--retry-backoff-ms', '50'];
const ready = (repo: string) => readEvents(repo).filter((e): e is Extract<PlEvent, { type: 'worktree-ready' }> => e.type === 'worktree-ready');
const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const agentsThatWorked = (repo: string, since = 0) => [...new Set(readEvents(repo).slice(since).filter((e) => e.type === 'attempt-started').map((e) => e.agent!))].sort();

/** A repository that ignores dependency folders, logs and build output, with a lock file, and config that claims on a busy machine. */
function project(config: Record<string, unknown> = {}): string {
  const repo = tmpRepo({ 'README.md': '# test repo\n', '.gitignore': 'node_modules/\n*.log\nbuild/\n', 'package-lock.json': '{"lockfileVersion":3}\n' });
  repos.push(repo);
  writeConfig(repo, { pauseCpuPercent: 100, pauseMemoryPercent: 100, restartBackoffMs: 100, ...config });
  return repo;
}

describe('warm worktrees', () => {
  it('give the next task on a slot a clean checkout of its base, keeping only the kept dependency folders', async () => {
    const repo = project();
    // t1 installs a dependency, leaves a log and build output (ignored), and its verify leaves an untracked
    // file after t1's work was committed: none of it is t1's work, and t2 must see none of it but node_modules.
    writeTask(repo, 't1', {
      agent: 'shell',
      priority: 2,
      run: 'mkdir -p node_modules/dep build && echo dep > node_modules/dep/index.js && echo log > debug.log && echo bin > build/out.bin && echo t1 > t1.txt',
      verify: 'echo leaked > planted.txt',
    });
    writeTask(repo, 't2', { agent: 'shell', dependsOn: ['t1'], run: 'find . -path ./.git -prune -o -print | sort > seen.txt' });
    const run = await runCli(repo, ['run', '--agents', '1', ...FAST]);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['t1.json', 't2.json']);
    const seen = git(repo, 'show', 'main:seen.txt').split('\n');
    expect(seen).toEqual(expect.arrayContaining(['./node_modules/dep/index.js', './t1.txt', './package-lock.json']));
    for (const leftover of ['./planted.txt', './debug.log', './build', './build/out.bin']) expect(seen).not.toContain(leftover);
    // One worktree, the slot's, given to both tasks; the landed branches are gone, the worktree stays.
    const events = ready(repo);
    expect(events.map((e) => [e.task, e.warm, e.created])).toEqual([['t1', true, true], ['t2', true, false]]);
    expect(events[1]!.kept).toEqual(['node_modules/']);
    expect(new Set(events.map((e) => e.worktree))).toEqual(new Set([path.join(repo, '.parallel-loop/worktrees/agent-1')]));
    expect(git(repo, 'for-each-ref', 'refs/heads/pl/')).toBe('');
    expect(git(repo, 'worktree', 'list', '--porcelain')).toMatch(/worktrees\/agent-1\nHEAD [0-9a-f]{40}\ndetached/);
  });

  it('run setup once per slot, again only when a setupWhen file changed on the target', async () => {
    const log = path.join(tmpDir('pl-setup-'), 'setup.log');
    const repo = project({ setup: `echo $PL_AGENT_ID >> ${log}; mkdir -p node_modules; echo installed > node_modules/.stamp` });
    const task = (id: string) => writeTask(repo, id, { agent: 'shell', run: `sleep 0.2; echo ${id} > ${id}.txt` });
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']) task(id);
    const first = await runCli(repo, ['run', '--agents', '2', ...FAST]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // Once per slot that worked, whatever number of tasks it ran.
    expect(lines(log).sort()).toEqual(agentsThatWorked(repo));
    expect(ready(repo).filter((e) => e.setup === 'skipped')).toHaveLength(6 - lines(log).length);

    // Nothing changed: the next run's tasks reuse the slots' set-up.
    let since = readEvents(repo).length;
    task('b1');
    task('b2');
    const second = await runCli(repo, ['run', '--agents', '1', ...FAST]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const setUpBefore = lines(log).length;
    expect(readEvents(repo).slice(since).filter((e) => e.type === 'worktree-ready').map((e) => (e as { setup: string }).setup)).toEqual(
      lines(log).includes('agent-1') ? ['skipped', 'skipped'] : ['ran', 'skipped'],
    );

    // A dependency change lands on the target: each slot sets up again, once.
    fs.writeFileSync(path.join(repo, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
    git(repo, 'commit', '-q', '-am', 'bump the lock file');
    since = readEvents(repo).length;
    for (const id of ['c1', 'c2', 'c3', 'c4']) task(id);
    const third = await runCli(repo, ['run', '--agents', '2', ...FAST]);
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(lines(log).slice(setUpBefore).sort()).toEqual(agentsThatWorked(repo, since));
    const rerun = readEvents(repo).slice(since).filter((e): e is Extract<PlEvent, { type: 'worktree-ready' }> => e.type === 'worktree-ready' && e.setup === 'ran');
    expect(rerun.every((e) => e.why === 'setup or setupWhen files changed' || e.why === 'new worktree')).toBe(true);
    expect(fs.readFileSync(path.join(repo, '.parallel-loop/worktrees/agent-1/node_modules/.stamp'), 'utf8')).toBe('installed\n');
  });

  it('run setup again when the folder it made is gone', async () => {
    const log = path.join(tmpDir('pl-setup-'), 'setup.log');
    const repo = project({ setup: `echo ran >> ${log}; mkdir -p node_modules; echo installed > node_modules/.stamp` });
    writeTask(repo, 'wipe', { agent: 'shell', priority: 2, run: 'rm -rf node_modules; echo wiped > wipe.txt' });
    writeTask(repo, 'after', { agent: 'shell', dependsOn: ['wipe'], run: 'cat node_modules/.stamp > after.txt' });
    const run = await runCli(repo, ['run', '--agents', '1', ...FAST]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(lines(log)).toEqual(['ran', 'ran']);
    expect(git(repo, 'show', 'main:after.txt')).toBe('installed');
    expect(ready(repo).map((e) => e.why)).toEqual(['new worktree', 'node_modules/ gone']);
  });

  it('worktrees: fresh makes a worktree per attempt, sets each up, and removes it once landed', async () => {
    const log = path.join(tmpDir('pl-setup-'), 'setup.log');
    const repo = project({ setup: `echo $PL_TASK_ID >> ${log}` });
    writeTask(repo, 'f1', { agent: 'shell', priority: 2, run: 'echo f1 > f1.txt', verify: 'echo leaked > planted.txt' });
    writeTask(repo, 'f2', { agent: 'shell', dependsOn: ['f1'], run: 'ls -a > seen.txt' });
    const run = await runCli(repo, ['run', '--agents', '1', '--worktree-mode', 'fresh', ...FAST]);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(lines(log)).toEqual(['f1', 'f2']);
    expect(git(repo, 'show', 'main:seen.txt').split('\n')).not.toContain('planted.txt');
    expect(ready(repo).map((e) => [e.task, e.warm, e.created, e.setup, path.basename(e.worktree)])).toEqual([
      ['f1', false, true, 'ran', 'f1.1'],
      ['f2', false, true, 'ran', 'f2.1'],
    ]);
    expect(fs.readdirSync(path.join(repo, '.parallel-loop/worktrees'))).toEqual([]);
    expect(fs.existsSync(path.join(repo, '.parallel-loop/agents/agent-1/worktree.json'))).toBe(false);
    // f1's verify ran in the lander's own worktree, which stays for its next batch (`clean` removes it).
    expect(git(repo, 'worktree', 'list').split('\n').filter((l) => !l.includes('/.parallel-loop/verify/'))).toHaveLength(1);
  });
});
