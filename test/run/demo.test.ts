// `npm run demo` end to end: its throwaway repository, eight tasks, three workers and the demo agent.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm run demo', () => {
  it('lands all eight sample tasks and exits 0', async () => {
    const child = spawn(process.execPath, [path.join(root, 'scripts/demo.js')], {
      cwd: root,
      env: { ...process.env, PL_DEMO_DELAY_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect(code, out).toBe(0);
    expect(out).toMatch(/Summary: 8 done, 0 failed/);
    for (const id of ['docs-overview', 'hello', 'changelog']) {
      expect(out).toMatch(new RegExp(`working on ${id} \\(attempt 1\\)`));
      expect(out).toMatch(new RegExp(`done ${id}: landed [0-9a-f]{8}`));
    }
    expect(out).toContain('Land task changelog: Create CHANGELOG.md with Added the docs.');
    // The changelog depends on the three docs tasks, so it starts only after all three are done.
    const at = (text: string) => out.indexOf(text);
    for (const dep of ['docs-overview', 'docs-install', 'docs-usage']) expect(at(`done ${dep}:`)).toBeLessThan(at('working on changelog'));
  });
});
