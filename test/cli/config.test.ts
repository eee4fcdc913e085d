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

  it('settings valid alone but not together: `run` refuses them naming both and where each came from, `config` and `doctor` say so', async () => {
    const repo = tmpRepo();
    // A heartbeat slower than half the stale limit would have healthy workers' claims reclaimed.
    const flag = await runCli(repo, ['run', '--once', '--agent', 'shell', '--heartbeat-ms', '20000']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('`heartbeatMs` 20000 (--heartbeat-ms) must be at most half of `staleAfterMs` 30000 (the default)');
    const set = await runCli(repo, ['config', 'set', 'restartBackoffMs', '60000']);
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('.parallel-loop.json still has a problem: `restartBackoffMs` 60000 (in .parallel-loop.json) is above its cap `restartBackoffMaxMs` 30000 (the default)');
    const file = await runCli(repo, ['run', '--once', '--agent', 'shell']);
    expect(file.code).toBe(3);
    expect(file.stderr).toMatch(/\.parallel-loop\.json has problems:\n {2}`restartBackoffMs` 60000 \(in .*\.parallel-loop\.json\) is above its cap/);
    const doctor = JSON.parse((await runCli(repo, ['doctor', '--json'])).stdout) as { checks: Array<{ name: string; status: string; message: string }> };
    expect(doctor.checks.find((c) => c.name === 'config')).toMatchObject({ status: 'fail', message: expect.stringContaining('above its cap') });
    // Nothing was claimed or started by the refused runs.
    expect(fs.existsSync(path.join(repo, '.parallel-loop', 'agents'))).toBe(false);
    expect((await runCli(repo, ['config', 'set', 'restartBackoffMaxMs', '120000'])).stderr).toBe('');
  });
});
