// The breaker's decisions, pure: what is an environment failure, and when the breaker opens.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { readBreaker } from '../../src/governance/breaker-file.js';
import { landingStop } from '../../src/governance/landing-stop.js';
import { environmentFailure, type AttemptEnd } from '../../src/governance/env-failure.js';
import { breakerMessage, withFailure, withWork, type HostBreaker } from '../../src/governance/breaker.js';
import { validateConfig } from '../../src/config/validate.js';
import { DEFAULTS } from '../../src/config/options.js';

const end = (fields: Partial<AttemptEnd> = {}): AttemptEnd => ({ adapter: 'claude', exitCode: 1, timedOut: false, aborted: false, durationMs: 800, noWork: true, tail: ['Error: invalid api key'], ...fields });

describe('environmentFailure', () => {
  it('knows refused credentials, unknown flags, the root refusal and a missing program', () => {
    expect(environmentFailure(end())).toEqual({ kind: 'claude: authentication', line: 'Error: invalid api key' });
    expect(environmentFailure(end({ tail: ["error: unknown option '--bogus'"] }))?.kind).toBe('claude: unknown flag');
    expect(environmentFailure(end({ tail: ['--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons'] }))?.kind).toBe('claude: root refusal');
    expect(environmentFailure(end({ adapter: 'command', tail: ['sh: 1: exec: my-agent: not found'] }))?.kind).toBe('command: program not found');
    expect(environmentFailure(end({ exitCode: undefined, tail: [], spawnError: 'ENOENT' }))?.kind).toBe('claude: could not start (ENOENT)');
  });

  it('leaves to the task an attempt that did work, took long, succeeded, was killed, or printed nothing known', () => {
    expect(environmentFailure(end({ noWork: false }))).toBeUndefined();
    expect(environmentFailure(end({ durationMs: 120_000 }))).toBeUndefined();
    expect(environmentFailure(end({ exitCode: 0 }))).toBeUndefined();
    expect(environmentFailure(end({ timedOut: true }))).toBeUndefined();
    expect(environmentFailure(end({ signal: 'SIGKILL', exitCode: undefined }))).toBeUndefined();
    expect(environmentFailure(end({ tail: ['2 tests failed'] }))).toBeUndefined();
  });

  it('never blames the environment for a shell task, whose command is the task', () => {
    expect(environmentFailure(end({ adapter: 'shell' }))).toBeUndefined();
  });
});

describe('withFailure', () => {
  const failure = (task: string, kind = 'claude: authentication') => ({ kind, line: 'Error: invalid api key', task, gen: 1, agent: 'agent-1', at: '2026-01-01T00:00:00.000Z' });
  const add = (state: HostBreaker, ...tasks: string[]) => tasks.reduce((s, t) => withFailure(s.state, failure(t), 3), { state, opened: false });

  it('opens at the threshold of different tasks failing the same way', () => {
    expect(add({ failures: [] }, 'a', 'b').opened).toBe(false);
    const third = add({ failures: [] }, 'a', 'b', 'c');
    expect(third.opened).toBe(true);
    expect(third.state.open).toMatchObject({ kind: 'claude: authentication', attempts: 3, tasks: ['a', 'b', 'c'] });
    expect(breakerMessage(third.state.open!)).toBe(
      'agent environment is broken: 3 attempts of 3 different tasks (a, b, c) failed the same way before doing any work: Error: invalid api key. Fix it and run again; the tasks are still queued (these attempts did not count).',
    );
  });

  it('opens when one task alone fails that way the threshold of times (fewer tasks than the threshold)', () => {
    expect(add({ failures: [] }, 'a', 'a').opened).toBe(false);
    expect(add({ failures: [] }, 'a', 'a', 'a').opened).toBe(true);
  });

  it('does not add up different failures, nor failures from before an attempt that worked', () => {
    let s = withFailure({ failures: [] }, failure('a', 'claude: unknown flag'), 3).state;
    s = add(s, 'b', 'c').state;
    expect(s.open).toBeUndefined();
    s = withWork(add({ failures: [] }, 'a', 'b').state);
    expect(add(s, 'c').opened).toBe(false);
  });

  it('opens once: later failures do not open it again', () => {
    const open = add({ failures: [] }, 'a', 'b', 'c').state;
    expect(withFailure(open, failure('d'), 3).opened).toBe(false);
    expect(withWork(open).open).toBeDefined();
  });
});

describe('breakerFailures option', () => {
  it('defaults to 3 and must be a positive integer', () => {
    expect(DEFAULTS.breakerFailures).toBe(3);
    expect(validateConfig({ breakerFailures: 0 }).problems).toEqual([{ path: 'breakerFailures', message: 'Expected `breakerFailures` to be a positive integer, got `0` (number).' }]);
    expect(validateConfig({ breakerFailures: 5 }).options).toEqual({ breakerFailures: 5 });
  });
});

/**
 * A fixture of test/governance/fixtures run once per name, all starting their write in the same
 * millisecond, on one file (`file` in a state folder, its locks beside it); resolves with what each printed.
 */
async function race(fixtureName: string, file: string, names: string[]): Promise<{ file: string; said: string[] }> {
  const dir = path.join(tmpRepo(), '.parallel-loop');
  fs.mkdirSync(dir, { recursive: true });
  const script = path.resolve('test/governance/fixtures', fixtureName);
  const startAt = String(Date.now() + 400);
  const args = (name: string) => [script, path.join(dir, file), path.join(dir, 'locks'), name, startAt];
  const said = await Promise.all(names.map((name) => promisify(execFile)(process.execPath, args(name)).then((r) => r.stdout.trim())));
  return { file: path.join(dir, file), said };
}

describe('the breaker and landing-stop files, written by several processes at once', () => {
  it('six workers failing in the same millisecond: one opens the breaker, and every failure is recorded', async () => {
    const { file, said } = await race('breaker-failure.mjs', 'breaker.json', ['t1', 't2', 't3', 't4', 't5', 't6']);
    expect(said.filter((s) => s === 'opened')).toHaveLength(1);
    const state = readBreaker(file, 'host-a');
    expect(state.failures.map((f) => f.task).sort()).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
    expect(state.open?.tasks).toHaveLength(3);
  });

  it('six hosts whose credentials are refused at the same moment: the landing stop of every host is kept', async () => {
    const hosts = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
    const { file } = await race('landing-stop.mjs', 'landing-stop.json', hosts);
    for (const host of hosts) expect(landingStop(file, host)?.message, host).toBe(`remote refused ${host}`);
  });
});
