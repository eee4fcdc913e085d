// A retry resumes the previous attempt's work: its commits and what it left uncommitted.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, tasksIn, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

describe('run: retries', () => {
  it('starts attempt 2 from the commits and leftovers of attempt 1, and lands both', async () => {
    repo = tmpRepo();
    // Attempt 1 commits one file, leaves another uncommitted, and fails; attempt 2 needs both.
    const run = [
      'if [ "$PL_ATTEMPT" = 1 ]; then',
      '  echo one > one.txt && git add one.txt && git commit -qm "attempt one" && echo left > left.txt && exit 1;',
      'fi;',
      'test -f one.txt && test -f left.txt && echo two > two.txt',
    ].join(' ');
    writeTask(repo, 'resume', { agent: 'shell', run, maxAttempts: 2 });
    const result = await runCli(repo, ['run', '--agents', '1', '--once', '--rescan-ms', '100', '--retry-backoff-ms', '50']);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['resume.json']);
    const started = readEvents(repo).filter((e) => e.type === 'attempt-started');
    expect(started.map((e) => [e.attempt, e.gen])).toEqual([[1, 1], [2, 2]]);
    // Attempt 2's worktree started at attempt 1's branch tip: its WIP commit of left.txt.
    expect(git(repo, 'log', '-1', '--format=%s', String(started[1]!.base))).toBe('WIP: Task resume');
    for (const [file, text] of [['one.txt', 'one'], ['left.txt', 'left'], ['two.txt', 'two']]) {
      expect(fs.readFileSync(path.join(repo, file!), 'utf8')).toBe(`${text}\n`);
      expect(git(repo, 'show', `main:${file}`)).toBe(text);
    }
    expect(git(repo, 'log', '--format=%s', 'main')).toContain('attempt one');
  });
});
