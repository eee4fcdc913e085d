// Every run option is checked by one table, from the config file and from the command line alike, before
// anything starts: a bad flag exits 2 naming it, a bad file field exits 3 naming the file and the field.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTION_NAMES, flagOf, type OptionName } from '../../src/config/option-table.js';
import { cliOptions, validateConfig } from '../../src/config/validate.js';
import { runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { tmpRepo } from '../helpers/tmp.js';

const POSITIVE = 'a positive integer';
const NON_NEGATIVE = 'a non-negative integer';

// One row per option: a bad value on the command line (none where yargs reads the flag itself, as for
// booleans), a bad value in the file, and what the message says was expected.
const ROWS: [OptionName, string | undefined, unknown, string][] = [
  ['agents', '0', 0, POSITIVE],
  ['hostId', 'a/b', 'agent-1', 'a name of letters, digits, dots, dashes and underscores (not agent-<n>, not ending in .<n>)'],
  ['once', undefined, 'yes', 'true or false'],
  ['single', undefined, 1, 'true or false'],
  ['inPlace', undefined, 'no', 'true or false'],
  ['agent', 'nope', 'nope', 'one of claude, codex, aider, command, shell, demo'],
  ['agentSettings', undefined, 'claude', 'an object'],
  ['timeoutSec', '0', -1, 'a positive number'],
  ['stageTimeoutSec', '0', 'an hour', 'a positive number'],
  ['maxAttempts', '1.5', 0, POSITIVE],
  ['killGraceMs', '-1', -1, NON_NEGATIVE],
  ['retryBackoffMs', 'soon', '2s', NON_NEGATIVE],
  ['heartbeatMs', '0', 0, POSITIVE],
  ['staleAfterMs', '0', 0, POSITIVE],
  ['rescanMs', '0', 0, POSITIVE],
  ['monitorMs', '-5', 0, POSITIVE],
  ['restartBackoffMs', '-1', -1, NON_NEGATIVE],
  ['restartBackoffMaxMs', '-1', 1.5, NON_NEGATIVE],
  ['maxRestarts', '0', 0, POSITIVE],
  ['restartWindowMs', '0', 0, POSITIVE],
  ['setup', '', 5, 'a non-empty string'],
  ['worktrees', 'cold', 'cold', 'one of warm, fresh'],
  ['keep', '..', ['node_modules', '../out'], 'an array of folder names or paths inside the worktree, e.g. node_modules'],
  ['setupWhen', '', [''], 'an array of git pathspecs, e.g. package-lock.json'],
  ['preflight', undefined, 'curl -sf localhost:6333/readyz', 'an array of strings'],
  ['preflightTimeoutMs', '0', 0, POSITIVE],
  ['copy', undefined, '.env', 'an array of strings'],
  ['portBase', '0', -1, POSITIVE],
  ['portBlock', '0', 0, POSITIVE],
  ['target', '', '', 'a non-empty string'],
  ['remote', '', 7, 'a non-empty string'],
  ['land', 'squash', 'squash', 'one of merge, branch, none, pr'],
  ['prCommand', undefined, [], 'a non-empty array of strings, e.g. ["gh", "pr", "create", "--head", "<branch>", "--title", "<title>", "--body-file", "<body-file>"]'],
  ['prTimeoutMs', '0', 0, POSITIVE],
  ['landStyle', 'rebase', 'rebase', 'one of merge, squash'],
  ['dirtyTarget', 'stash', 'stash', 'one of hold, land-ref'],
  ['cleanup', undefined, 'true', 'true or false'],
  ['verify', '', [], 'a non-empty string'],
  ['batchSize', '0', 0, 'a positive integer'],
  ['verifyOnMove', 'never', 'never', 'one of touched, always'],
  ['batchWaitMs', '-1', 'soon', NON_NEGATIVE],
  ['changelog', '../CHANGELOG.md', '/CHANGELOG.md', 'a path inside the repository, e.g. CHANGELOG.md'],
  ['budgetUsd', '0', -1, 'a positive number'],
  ['memoryLimitMb', 'lots', 0, 'a positive number'],
  ['resourceSampleMs', '0', 0, POSITIVE],
  ['pauseCpuPercent', '120', 0, 'a percentage above 0 and at most 100'],
  ['pauseMemoryPercent', '0', 101, 'a percentage above 0 and at most 100'],
  ['stepDownMemoryPercent', '-1', '90%', 'a percentage above 0 and at most 100'],
  ['cpuWindowMs', '0', 0, POSITIVE],
  ['rateLimitPauseMs', '-1', -1, NON_NEGATIVE],
  ['breakerFailures', '0', 0, POSITIVE],
  ['starveAfterMs', '1.5', 1.5, NON_NEGATIVE],
  ['notify', undefined, 'http://127.0.0.1:9/hook', 'an object with on, commands, webhooks, timeoutMs'],
  ['notifyDesktop', undefined, 'yes', 'true or false'],
  ['stages', undefined, ['implement', 'deploy'], 'a list of stages beginning with implement, in the order implement, review, test'],
  ['roles', undefined, 'review', 'an object keyed by role (implement, review, test)'],
  ['test', undefined, '', 'a non-empty string'],
];
const CLI_ROWS = ROWS.filter(([name, cli]) => cli !== undefined && flagOf(name) !== undefined);

const cliMessage = (name: OptionName, text: string, expected: string) =>
  `Expected \`--${flagOf(name)}\` (${name}) to be ${expected}, got ${text === '' ? 'an empty value' : `\`${text}\``}.`;
const fileMessage = (name: OptionName, value: unknown, expected: string) =>
  `${name}: Expected \`${name}\` to be ${expected}, got \`${JSON.stringify(value)}\` (${Array.isArray(value) ? 'array' : typeof value}).`;

describe('the option table', () => {
  it('has a row here for every option', () => {
    expect(ROWS.map(([name]) => name).sort()).toEqual([...OPTION_NAMES].sort());
  });

  it.each(CLI_ROWS)('refuses --%s given %j on the command line', (name, text, _file, expected) => {
    expect(() => cliOptions({ [name]: text })).toThrow(expect.objectContaining({ code: 'BAD_OPTION', exitCode: 2, message: cliMessage(name, text!, expected) }));
  });

  it.each(ROWS)('refuses %s set to %j in the config file', (name, _cli, value, expected) => {
    const { problems, options } = validateConfig({ [name]: value });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([fileMessage(name, value, expected)]);
    expect(options).toEqual({});
  });

  it('reads good command-line text as the option wants it', () => {
    expect(cliOptions({ agents: '2', killGraceMs: 0, timeoutSec: '1.5', cleanup: false, copy: ['.env'], land: 'branch' })).toEqual({ agents: 2, killGraceMs: 0, timeoutSec: 1.5, cleanup: false, copy: ['.env'], land: 'branch' });
  });
});

describe('run with bad options', () => {
  it('exits 2 naming every bad flag, before any worker starts or any task is touched', async () => {
    const repo = tmpRepo();
    writeTask(repo, 'untouched', { agent: 'shell', run: 'true' });
    const args = CLI_ROWS.flatMap(([name, text]) => [`--${flagOf(name)}`, text!]);
    const result = await runCli(repo, ['run', '--once', ...args]);
    expect(result.code, result.stderr).toBe(2);
    for (const [name, text, , expected] of CLI_ROWS) expect(result.stderr).toContain(cliMessage(name, text!, expected));
    expect(tasksIn(repo, 'inbox')).toEqual(['untouched.json']);
    expect(fs.existsSync(path.join(repo, '.parallel-loop'))).toBe(false);
  });

  it('exits 2 for the one flag alone: --kill-grace-ms -1 does not become a failed task, --heartbeat-ms 0 does not spin', async () => {
    const repo = tmpRepo();
    writeTask(repo, 'untouched', { agent: 'shell', run: 'true' });
    for (const [flag, text, message] of [
      ['--kill-grace-ms', '-1', 'Expected `--kill-grace-ms` (killGraceMs) to be a non-negative integer, got `-1`.'],
      ['--heartbeat-ms', '0', 'Expected `--heartbeat-ms` (heartbeatMs) to be a positive integer, got `0`.'],
    ]) {
      const result = await runCli(repo, ['run', '--once', '--agent', 'shell', flag!, text!, '--json']);
      expect(result.code, result.stderr).toBe(2);
      expect(JSON.parse(result.stdout).error).toEqual({ code: 'BAD_OPTION', message });
    }
    expect(tasksIn(repo, 'inbox')).toEqual(['untouched.json']);
  });

  it('exits 3 naming the file and every bad field at once', async () => {
    const repo = tmpRepo();
    writeTask(repo, 'untouched', { agent: 'shell', run: 'true' });
    writeConfig(repo, Object.fromEntries(ROWS.map(([name, , value]) => [name, value])));
    const result = await runCli(repo, ['run', '--once']);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`${path.join(repo, '.parallel-loop.json')} has problems:`);
    for (const [name, , value, expected] of ROWS) expect(result.stderr).toContain(`  ${fileMessage(name, value, expected)}`);
    expect(tasksIn(repo, 'inbox')).toEqual(['untouched.json']);
  });
});
