import { describe, expect, it } from 'vitest';
import { preflightFresh, preflightReason, runPreflight } from '../../src/governance/preflight-commands.js';
import { tmpDir } from '../helpers/tmp.js';

describe('preflight commands', () => {
  it('stop at the first that fails, keeping its output', async () => {
    const cwd = tmpDir('pl-preflight-');
    const record = await runPreflight({ commands: ['true', 'echo down >&2; exit 7', 'touch never'], cwd, timeoutMs: 5000, killGraceMs: 100 });
    expect(record).toMatchObject({ ok: false, command: 'echo down >&2; exit 7' });
    expect(record.output).toMatch(/7.*down/s);
    expect(preflightReason(record)).toMatch(/^claiming paused: preflight `echo down >&2; exit 7` failed \(.*down\)$/s);
  });

  it('a command that hangs fails at the timeout', async () => {
    const record = await runPreflight({ commands: ['sleep 30'], cwd: tmpDir('pl-preflight-'), timeoutMs: 200, killGraceMs: 100 });
    expect(record.ok).toBe(false);
  });

  it('a record stands for a new pass for maxAgeMs', () => {
    const at = '2024-01-01T00:00:00.000Z';
    const t = Date.parse(at);
    expect(preflightFresh({ at, ok: true }, t + 999, 1000)).toBe(true);
    expect(preflightFresh({ at, ok: true }, t + 1000, 1000)).toBe(false);
    expect(preflightFresh({ at, ok: true }, t - 5000, 1000)).toBe(false);
    expect(preflightFresh(undefined, t, 1000)).toBe(false);
  });
});
