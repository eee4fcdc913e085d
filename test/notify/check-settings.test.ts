// A bad `notify` setting is refused before anything starts, naming the field inside it that is wrong.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { tmpRepo } from '../helpers/tmp.js';

const problemOf = (notify: unknown) => validateConfig({ notify }).problems.map((p) => `${p.path}: ${p.message}`);

describe('the notify setting', () => {
  it('accepts kinds, argument arrays, URLs and limits', () => {
    const notify = { on: ['failed', 'drained'], commands: [['notify-me', '{kind}', '{task}']], webhooks: ['http://127.0.0.1:9999/hook', 'https://example.com/x'], timeoutMs: 5000, maxInFlight: 2, maxQueued: 10 };
    expect(validateConfig({ notify })).toEqual({ options: { notify }, problems: [] });
  });

  it.each([
    [{ on: ['failed', 'exploded'] }, 'notify.on[1]', 'one of failed, escalated, needs-review, budget-spent, rate-limited, agent-stale, drained', '`"exploded"` (string)'],
    [{ commands: ['notify-me {kind}'] }, 'notify.commands[0]', 'an argument array: the program, then its arguments (strings, no shell)', '`"notify-me {kind}"` (string)'],
    [{ commands: [[]] }, 'notify.commands[0]', 'an argument array: the program, then its arguments (strings, no shell)', '`[]` (array)'],
    [{ webhooks: ['ftp://example.com/'] }, 'notify.webhooks[0]', 'an http:// or https:// URL', '`"ftp://example.com/"` (string)'],
    [{ webhooks: 'http://127.0.0.1/' }, 'notify.webhooks', 'an array of URLs', '`"http://127.0.0.1/"` (string)'],
    [{ timeoutMs: 0 }, 'notify.timeoutMs', 'a positive integer', '`0` (number)'],
    [{ retries: 3 }, 'notify.retries', 'absent: known fields are on, commands, webhooks, timeoutMs, maxInFlight, maxQueued', '`3` (number)'],
  ])('refuses %j naming %s', (notify, field, expected, got) => {
    expect(problemOf(notify)).toEqual([`notify: Expected \`${field}\` to be ${expected}, got ${got}.`]);
  });

  it('stops a run with exit 3 before any task is touched', async () => {
    const repo = tmpRepo();
    writeTask(repo, 'untouched', { agent: 'shell', run: 'true' });
    writeConfig(repo, { notify: { commands: ['notify-me {kind}'] } });
    const result = await runCli(repo, ['run', '--once', '--agents', '1']);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain('Expected `notify.commands[0]` to be an argument array');
    expect(tasksIn(repo, 'inbox')).toEqual(['untouched.json']);
  });
});
