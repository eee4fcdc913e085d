// Claude Code as root: `run` refuses before the first claim, with the fix, instead of failing every
// task three times; `doctor` says the same; the sandbox setting passes IS_SANDBOX=1 to the agent.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeBin } from '../helpers/claude-bin.js';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, processesIn, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

const asRoot = process.getuid?.() === 0;
const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
// Empty is what Claude Code sees as unset; the helper's environment starts from this process's.
const noSandbox = { IS_SANDBOX: '' };

describe.runIf(asRoot)('claude as root', () => {
  it('run --agent claude exits 4 with the fix before claiming anything, and leaves the queue as it was', async () => {
    repo = tmpRepo();
    writeConfig(repo, { agentSettings: { claude: { bin: claudeBin() } } });
    for (const id of ['a', 'b', 'c']) writeTask(repo, id, {});
    const before = tasksIn(repo, 'inbox');
    const result = await runCli(repo, ['run', '--agent', 'claude', '--agents', '2', '--once', '--retry-backoff-ms', '50'], noSandbox);

    expect(result.code, result.stdout + result.stderr).toBe(4);
    expect(result.stderr).toContain('cannot be used with root/sudo privileges');
    expect(result.stderr).toContain('IS_SANDBOX=1');
    expect(result.stderr).toContain('agentSettings.claude.sandbox true');
    expect(result.stderr).toContain('non-root user');
    expect(tasksIn(repo, 'inbox')).toEqual(before);
    for (const dir of ['queue/running', 'queue/failed', '.parallel-loop/claims']) expect(entries(path.join(repo, dir))).toEqual([]);
    // The workers forked before the checks were ended with the run.
    expect(processesIn(repo)).toEqual([]);
  });

  it('doctor reports it as a failure with the same fix', async () => {
    repo = tmpRepo();
    const result = await runCli(repo, ['doctor', '--json'], noSandbox);
    expect(result.code).toBe(1);
    const check = JSON.parse(result.stdout).checks.find((c: { name: string }) => c.name === 'agent claude as root');
    expect(check).toMatchObject({ status: 'fail' });
    expect(check.message).toContain('bypassPermissions');
    expect(check.fix).toContain('IS_SANDBOX=1');

    writeConfig(repo, { agentSettings: { claude: { sandbox: true } } });
    const sandboxed = JSON.parse((await runCli(repo, ['doctor', '--json'], noSandbox)).stdout);
    expect(sandboxed.checks.find((c: { name: string }) => c.name === 'agent claude as root')).toMatchObject({ status: 'ok' });
  });

  it('agentSettings.claude.sandbox passes IS_SANDBOX=1 to the agent, and the run goes ahead', async () => {
    repo = tmpRepo();
    const bin = path.join(tmpDir('pl-fake-claude-'), 'claude');
    fs.writeFileSync(bin, '#!/bin/sh\nprintf %s "$IS_SANDBOX" > sandbox.txt\n', { mode: 0o755 });
    writeConfig(repo, { agentSettings: { claude: { bin, sandbox: true } } });
    writeTask(repo, 'boxed', {});
    const result = await runCli(repo, ['run', '--agent', 'claude', '--agents', '1', '--once', '--rescan-ms', '100'], noSandbox);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(git(repo, 'show', 'main:sandbox.txt')).toBe('1');
  });
});
