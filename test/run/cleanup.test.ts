// A landed attempt's worktree and branch are removed while the worker already claims its next task
// (worker/land-step.ts, Worker.deferCleanup); a --once run still ends with nothing of them left.
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, processesIn, readEvents, runCli, tasksIn, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

describe('run: cleanup after landing', () => {
  it('every task lands, each attempt records its agent start, and no worktree, branch or process is left', async () => {
    repo = tmpRepo();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of ids) writeTask(repo, id, { agent: 'shell', run: `echo ${id} > ${id}.txt` });
    const result = await runCli(repo, ['run', '--agents', '2', '--once', '--rescan-ms', '100']);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toHaveLength(ids.length);
    for (const id of ids) expect(git(repo, 'show', `main:${id}.txt`)).toBe(id);
    // No attempt worktree is left; the agents' warm ones stay for their next tasks (`clean` removes them).
    const worktrees = git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).slice(1);
    expect(worktrees.filter((l) => !/\/worktrees\/agent-\d+$/.test(l))).toEqual([]);
    expect(git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/pl/')).toBe('');
    expect(processesIn(repo)).toEqual([]);

    // claimed, then the agent's start, then its end, then landed and done, for every attempt.
    const events = readEvents(repo);
    for (const id of ids) {
      const order = events.filter((e) => e.task === id).map((e) => e.type);
      const steps = ['claimed', 'agent-started', 'attempt-finished', 'landed', 'done'];
      expect(order.filter((t) => steps.includes(t)), id).toEqual(steps);
      const started = events.find((e) => e.task === id && e.type === 'agent-started');
      expect(started && 'pid' in started && started.pid).toBeGreaterThan(0);
    }
  });
});
