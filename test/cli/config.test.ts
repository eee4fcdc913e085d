// `config get/set/unset` on .parallel-loop.json: values checked before they are written, other keys kept.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { runCli, writeConfig } from '../helpers/run-cli.js';

const readConfig = (repo: string) => JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop.json'), 'utf8'));

describe('config', () => {
  it('set then get: JSON-looking values are parsed, other settings kept, the source shown', async () => {
    const repo = tmpRepo();
    writeConfig(repo, { verify: 'npm test' });
    expect((await runCli(repo, ['config', 'set', 'maxAttempts', '5'])).code).toBe(0);
    expect((await runCli(repo, ['config', 'set', 'copy', '[".env", ".env.local"]'])).code).toBe(0);
    expect((await runCli(repo, ['config', 'set', 'agentSettings.claude.bin', '/opt/claude'])).code).toBe(0);
    expect(readConfig(repo)).toEqual({ verify: 'npm test', maxAttempts: 5, copy: ['.env', '.env.local'], agentSettings: { claude: { bin: '/opt/claude' } } });

    const one = JSON.parse((await runCli(repo, ['config', 'get', 'maxAttempts', '--json'])).stdout);
    expect(one).toEqual({ key: 'maxAttempts', value: 5, source: 'file' });
    const all = await runCli(repo, ['config', 'get']);
    expect(all.stdout).toMatch(/^maxAttempts +5 +from \.parallel-loop\.json$/m);
    expect(all.stdout).toMatch(/^agents +3 +default$/m);
    expect(all.stdout).toMatch(/^heartbeatMs +5000 +default: staleAfterMs \/ 6$/m);

    const unset = await runCli(repo, ['config', 'unset', 'maxAttempts']);
    expect(unset.stdout).toContain('maxAttempts removed; now 3 (default)');
    expect(readConfig(repo)).not.toHaveProperty('maxAttempts');
    expect((await runCli(repo, ['config', 'unset', 'agentSettings.claude.bin'])).code).toBe(0);
    expect(readConfig(repo)).toEqual({ verify: 'npm test', copy: ['.env', '.env.local'] });
  });

  it('rejects a bad value or an unknown key, naming it, and leaves the file as it was', async () => {
    const repo = tmpRepo();
    writeConfig(repo, { agents: 2 });
    const before = fs.readFileSync(path.join(repo, '.parallel-loop.json'), 'utf8');
    const bad = await runCli(repo, ['config', 'set', 'maxAttempts', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected `maxAttempts` to be a positive integer, got `"many"` (string)');
    const land = await runCli(repo, ['config', 'set', 'land', 'sideways']);
    expect(land.stderr).toContain('Expected `land` to be one of merge, branch, none');
    const unknown = await runCli(repo, ['config', 'set', 'maxAttempt', '5']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown setting `maxAttempt`');
    const agent = await runCli(repo, ['config', 'set', 'agentSettings.claud.bin', 'x']);
    expect(agent.stderr).toContain('`claud` is not an agent');
    expect(fs.readFileSync(path.join(repo, '.parallel-loop.json'), 'utf8')).toBe(before);
  });
});
