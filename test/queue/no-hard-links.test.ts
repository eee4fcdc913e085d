// A queue whose claims cannot be hard links is refused at start, with the filesystem problem named.
// Made real by mounting a tmpfs over .parallel-loop/claims: a link into it from agents/ fails with
// EXDEV, as it would on a filesystem without hard links. Needs root to mount; skipped otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { runCli, writeTask } from '../helpers/run-cli.js';

let mounted = '';
afterEach(() => {
  if (mounted) execFileSync('umount', [mounted]);
  mounted = '';
});

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'none', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('hard-link check', () => {
  it('refuses to run when a claim cannot be hard-linked, and runs nothing', async (ctx) => {
    const repo = tmpRepo();
    const claims = path.join(repo, '.parallel-loop', 'claims');
    fs.mkdirSync(claims, { recursive: true });
    if (!tryMount(claims)) ctx.skip();
    mounted = claims;
    writeTask(repo, 'a', { agent: 'shell', run: 'echo a > a.txt' });
    const result = await runCli(repo, ['run', '--once', '--agents', '1']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/does not support hard links \(EXDEV/);
    expect(result.stderr).toContain('--state');
    expect(fs.existsSync(path.join(repo, 'queue', 'a.json'))).toBe(true);
  });
});
