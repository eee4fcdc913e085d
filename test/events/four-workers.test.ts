// The event log of a real 4-worker run: every line parses on its own (concurrent writers never
// interleave inside a line) and tells time, type, agent, task and attempt.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, runCli, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

describe('events.jsonl', () => {
  it('holds one parseable JSON object per line after a 4-worker run', async () => {
    repo = tmpRepo();
    for (let i = 1; i <= 12; i++) writeTask(repo, `t${i}`, { agent: 'shell', run: `echo ${i} > f${i}.txt; sleep 0.2` });
    // One task fails once, so retries show in the log too.
    writeTask(repo, 'flaky', { agent: 'shell', run: '[ "$PL_ATTEMPT" -ge 2 ] && echo ok > flaky.txt', maxAttempts: 2 });
    const result = await runCli(repo, ['run', '--agents', '4', '--once', '--rescan-ms', '100', '--retry-backoff-ms', '50']);
    expect(result.code, result.stdout + result.stderr).toBe(0);

    const text = fs.readFileSync(path.join(repo, '.parallel-loop', 'events.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    const events = lines.map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`line ${i + 1} is not JSON: ${line}`);
      }
    });
    for (const e of events) {
      expect(typeof e.type).toBe('string');
      expect(Number.isNaN(Date.parse(String(e.time)))).toBe(false);
    }
    const types = new Set(events.map((e) => e.type));
    for (const type of ['agent-spawned', 'claimed', 'attempt-started', 'attempt-finished', 'retry', 'landed', 'done', 'agent-exited']) expect(types).toContain(type);
    const agents = new Set(events.filter((e) => e.type === 'agent-spawned').map((e) => e.agent));
    expect(agents).toEqual(new Set(['agent-1', 'agent-2', 'agent-3', 'agent-4']));
    for (const e of events.filter((x) => x.type === 'attempt-started')) {
      expect(e).toMatchObject({ agent: expect.stringMatching(/^agent-\d$/), task: expect.any(String), attempt: expect.any(Number) });
    }
    expect(events.filter((e) => e.type === 'landed').map((e) => e.task).sort()).toHaveLength(13);
  });
});
