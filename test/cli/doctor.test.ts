// `doctor`: every pre-flight check with a fix under each problem; exit 1 only when a check fails.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { runCli, writeConfig } from '../helpers/run-cli.js';

describe('doctor', () => {
  it('passes in a repository with a commit, using an agent that needs nothing installed', async () => {
    const repo = tmpRepo();
    writeConfig(repo, { agent: 'shell' });
    const result = await runCli(repo, ['doctor']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^ok +git \d+\.\d+/m);
    expect(result.stdout).toMatch(/is clean$/m);
    expect(result.stdout).toMatch(/^Ready to run/m);
    const json = JSON.parse((await runCli(repo, ['doctor', '--json'])).stdout);
    expect(json.ok).toBe(true);
    expect(json.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['git', 'repository', 'target', 'hard links', 'queue', 'agent shell', 'disk']));
  });

  it('fails outside a repository, naming the problem and its fix', async () => {
    const dir = tmpDir('pl-norepo-');
    const result = await runCli(dir, ['doctor', '--agent', 'shell']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL  ${dir} is not a git repository`);
    expect(result.stdout).toContain('fix: run `git init');
  });

  it('warns about a dirty target checkout and names a missing agent program', async () => {
    const repo = tmpRepo();
    fs.appendFileSync(path.join(repo, 'README.md'), 'changed\n');
    writeConfig(repo, { agentSettings: { codex: { bin: './no-such-codex' } }, agent: 'shell' });
    const json = JSON.parse((await runCli(repo, ['doctor', '--json'])).stdout);
    const byName = (name: string) => json.checks.find((c: { name: string }) => c.name === name);
    expect(byName('checkout')).toMatchObject({ status: 'warn' });
    expect(byName('checkout').message).toContain('landing will hold');
    expect(byName('agent codex')).toMatchObject({ status: 'fail' });
    expect(byName('agent codex').message).toContain('`./no-such-codex` not found');
    expect(json.ok).toBe(false);
  });
});
