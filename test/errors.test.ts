// One registry of error codes: each code means one thing and exits one way wherever it is raised, and
// README lists every code.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT, PlError } from '../src/errors.js';
import { exitFor } from '../src/cli/exit-codes.js';
import { killTree } from '../src/proc/kill-tree.js';
import { runCli } from './helpers/run-cli.js';
import { tmpRepo } from './helpers/tmp.js';

const readme = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

describe('error codes', () => {
  it('give every code one exit status and a meaning of its own', () => {
    const exits = new Set<number>(Object.values(EXIT));
    const meanings = Object.values(ERROR_CODES).map((c) => c.meaning);
    expect(new Set(meanings).size).toBe(meanings.length);
    for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
      expect(exits.has(exit), code).toBe(true);
      expect(new PlError(code as keyof typeof ERROR_CODES, 'x').exitCode).toBe(exit);
    }
    expect(exitFor(new Error('boom'))).toMatchObject({ code: EXIT.failure, errorCode: 'INTERNAL' });
  });

  it('keep none of the old twins: a bad option is BAD_OPTION, exit 2, also when a library function refuses it', async () => {
    expect(Object.keys(ERROR_CODES)).not.toContain('INVALID_OPTION');
    expect(Object.keys(ERROR_CODES)).not.toContain('INVALID_TASK_ID');
    await expect(killTree(99_999, { graceMs: -1 })).rejects.toMatchObject({ code: 'BAD_OPTION', exitCode: EXIT.usage });
  });

  it('are each listed in README with their exit status', () => {
    const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('\n## ', readme.indexOf('## Exit codes') + 1));
    for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
      const row = section.split('\n').find((line) => line.startsWith(`| ${exit} `));
      expect(row, `README Exit codes has no row for ${exit}`).toBeDefined();
      expect(row, `README Exit codes lists ${code} under ${exit}`).toContain(`\`${code}\``);
    }
  });
});

describe('the same problem, the same code', () => {
  it('a --target that does not exist is TARGET_NOT_FOUND (5) for run as for undo', async () => {
    const repo = tmpRepo();
    const run = await runCli(repo, ['run', '--once', '--target', 'no-such-branch', '--json']);
    expect(run.code, run.stderr).toBe(5);
    expect(JSON.parse(run.stdout).error.code).toBe('TARGET_NOT_FOUND');
    const undo = await runCli(repo, ['undo', 'some-task', '--target', 'no-such-branch', '--json']);
    expect(undo.code, undo.stderr).toBe(5);
    expect(JSON.parse(undo.stdout).error.code).toBe('TARGET_NOT_FOUND');
  });

  it('an agent on another host is AGENT_REMOTE (4), not the AGENT_NOT_RUNNING (5) of one that has exited', async () => {
    const repo = tmpRepo();
    const heartbeat = (id: string, host: string) => {
      fs.mkdirSync(path.join(repo, '.parallel-loop/agents', id), { recursive: true });
      fs.writeFileSync(path.join(repo, '.parallel-loop/agents', id, 'heartbeat.json'), JSON.stringify({ agentId: id, pid: 999_999, pidStart: '1', host }));
    };
    heartbeat('agent-1', 'elsewhere');
    const remote = await runCli(repo, ['kill', 'agent-1', '--json']);
    expect(remote.code, remote.stderr).toBe(4);
    expect(JSON.parse(remote.stdout).error.code).toBe('AGENT_REMOTE');
  });
});
