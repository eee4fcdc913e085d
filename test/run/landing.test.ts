// Landing through a real run: conflicts go back to an agent once with the details, then fail with the
// files listed and the branch kept; a failing verify retries with its output in the prompt.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

function prompt(id: string, gen: number): string {
  const agents = path.join(repo, '.parallel-loop', 'agents');
  for (const agent of fs.readdirSync(agents)) {
    const file = path.join(agents, agent, 'prompts', `${id}.${gen}.md`);
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  }
  throw new Error(`no prompt for ${id}.${gen}`);
}

function userCommit(text: string): void {
  fs.writeFileSync(path.join(repo, 'shared.txt'), text);
  git(repo, 'commit', '-qam', `user: ${text.trim()}`);
}

describe('run: landing', () => {
  it('a conflict goes back to the agent once with the files named; a second conflict fails it with the branch kept', async () => {
    repo = tmpRepo({ 'shared.txt': 'base\n', 'README.md': '# r\n' });
    writeTask(repo, 'edit', { agent: 'shell', run: 'sleep 1.5; echo "agent $PL_ATTEMPT" > shared.txt', maxAttempts: 3 }, 'Change the shared file');
    const run = startCli(repo, ['run', '--agents', '1', '--once', '--rescan-ms', '100', '--retry-backoff-ms', '50']);
    // While each attempt works, the person commits their own change to the same lines on main.
    await run.waitForOutput('working on edit (attempt 1)');
    userCommit('user one\n');
    await run.waitForOutput('working on edit (attempt 2)');
    userCommit('user two\n');
    const result = await run.done;

    expect(result.code, result.stdout + result.stderr).toBe(1);
    const conflicts = readEvents(repo).filter((e) => e.type === 'conflict');
    expect(conflicts.map((e) => e.files)).toEqual([['shared.txt'], ['shared.txt']]);
    expect(prompt('edit', 2)).toContain('conflicted in: shared.txt');
    expect(tasksIn(repo, 'failed')).toEqual(['edit.json']);
    const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue', 'failed', 'edit.error.json'), 'utf8'));
    expect(record.files).toEqual(['shared.txt']);
    expect(record.reason).toMatch(/shared\.txt.*branch pl\/edit\/2 kept/);
    expect(git(repo, 'show', 'pl/edit/2:shared.txt')).toBe('agent 2');
    // Both of the person's commits are on main, untouched; nothing of the task landed.
    expect(git(repo, 'show', 'main:shared.txt')).toBe('user two');
    expect(git(repo, 'log', '--format=%s', 'main')).toContain('user: user one');
    expect(git(repo, 'log', '--format=%B', 'main')).not.toContain('Parallel-Loop-Task: edit');
  });

  it('a failing verify sends the task back with the output in its prompt, and it lands once verify passes', async () => {
    repo = tmpRepo();
    const run = 'echo x > f.txt; if [ "$PL_ATTEMPT" -ge 2 ]; then echo ok > ok.txt; fi';
    writeTask(repo, 'checked', { agent: 'shell', run, verify: 'test -f ok.txt || { echo "ok.txt is missing"; exit 3; }', maxAttempts: 2 });
    const result = await startCli(repo, ['run', '--agents', '1', '--once', '--rescan-ms', '100', '--retry-backoff-ms', '50']).done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(readEvents(repo).filter((e) => e.type === 'verify-failed').map((e) => e.attempt)).toEqual([1]);
    // The second attempt's generation: the lander's claim of the first attempt's landing took one.
    const second = readEvents(repo).find((e) => e.type === 'attempt-started' && e.task === 'checked' && e.attempt === 2)!.gen!;
    expect(prompt('checked', second)).toMatch(/verify command failed[\s\S]*ok\.txt is missing[\s\S]*exit 3/);
    expect(tasksIn(repo, 'done')).toEqual(['checked.json']);
    expect(git(repo, 'show', 'main:ok.txt')).toBe('ok');
    // Landed once.
    const trailers = git(repo, 'log', '--first-parent', '--format=%B', 'main').split('\n').filter((l) => l === 'Parallel-Loop-Task: checked');
    expect(trailers).toHaveLength(1);
  });
});

describe('run: landed history', () => {
  const fast = ['--agents', '2', '--once', '--rescan-ms', '100', '--retry-backoff-ms', '50'];
  const tasks = (ids: string[]) => {
    for (const id of ids) writeTask(repo, id, { agent: 'shell', run: `echo ${id} > ${id}.txt` }, `# Add ${id}\n\nWrite ${id}.txt for the ${id} feature.\n\nMore notes.`);
  };

  it('landStyle squash lands N tasks as N single-parent commits, titles as subjects, with the trailer', async () => {
    repo = tmpRepo();
    tasks(['one', 'two', 'three']);
    const result = await startCli(repo, ['run', ...fast, '--land-style', 'squash']).done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const commits = git(repo, 'rev-list', '--parents', 'main').split('\n').slice(0, -1);
    expect(commits.map((c) => c.split(' ').length)).toEqual([2, 2, 2]);
    expect(git(repo, 'log', '--format=%s', 'main').split('\n').slice(0, -1).sort()).toEqual(['Add one', 'Add three', 'Add two']);
    const bodies = git(repo, 'log', '--format=%B%x00', 'main').split('\0').map((b) => b.trim());
    for (const id of ['one', 'two', 'three']) {
      expect(bodies).toContain(`Add ${id}\n\nWrite ${id}.txt for the ${id} feature.\n\nParallel-Loop-Task: ${id}\nParallel-Loop-Attempt: ${id}/1`);
      expect(git(repo, 'show', `main:${id}.txt`)).toBe(id);
    }
  });

  it('merge style: the agent commits under each landing merge carry the task title', async () => {
    repo = tmpRepo();
    tasks(['one', 'two']);
    const result = await startCli(repo, ['run', ...fast]).done;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    // Not by position: commits made within one second have no order git can tell apart.
    const subjects = (...args: string[]) => git(repo, 'log', ...args, '--format=%s', 'main').split('\n').filter((s) => s !== 'initial').sort();
    expect(subjects('--first-parent')).toEqual(['Land task one: Add one', 'Land task two: Add two']);
    expect(subjects('--no-merges')).toEqual(['Add one', 'Add two']);
    expect(git(repo, 'log', '--no-merges', '--format=%B', 'main')).not.toContain('Parallel-Loop-Task:');
  });
});
