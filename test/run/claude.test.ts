// `parallel-loop run` driving the real Claude Code CLI against a fake Messages API: three tasks on two
// agents, each writing its file in its own worktree, with the cost and turns the CLI printed recorded.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claudeBin, fakeClaudeEnv } from '../helpers/claude-bin.js';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fixtures/fake-anthropic.mjs';

let api: FakeAnthropic;
const unhandled: string[] = [];
beforeAll(async () => {
  api = await startFakeAnthropic({ log: (line) => unhandled.push(line) });
});
afterAll(() => api.close());

let repo = '';
afterEach(() => killProcessesIn(repo));

/** The `result` line the CLI printed in one attempt's log. */
function resultLine(log: string): Record<string, unknown> {
  const line = fs.readFileSync(log, 'utf8').split('\n').find((l) => l.includes('"type":"result"'));
  expect(line, `no result line in ${log}`).toBeDefined();
  return JSON.parse(line!) as Record<string, unknown>;
}

describe('run with the real Claude Code CLI', () => {
  it('runs three tasks on two agents, each committed on its own branch, with cost and turns recorded', async () => {
    repo = tmpRepo();
    writeConfig(repo, { agentSettings: { claude: { bin: claudeBin() } } });
    const files = { alpha: 'alpha.txt', beta: 'beta.txt', gamma: 'gamma.txt' };
    for (const [id, file] of Object.entries(files)) writeTask(repo, id, { agent: 'claude' }, `WRITE_FILE: ${file} CONTENT: written by ${id}`);
    const env = {
      ...fakeClaudeEnv(api.url, tmpDir('pl-claude-home-')),
      CLAUDE_CODE_MAX_RETRIES: '0',
    };
    const run = await runCli(repo, ['run', '--agents', '2', '--once', '--land', 'branch', '--max-attempts', '1', '--rescan-ms', '100', '--timeout', '50'], env);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['alpha.json', 'beta.json', 'gamma.json']);
    const events = readEvents(repo);
    const agents = new Set<string>();
    for (const [id, file] of Object.entries(files)) {
      // Written in its own worktree, committed on its own branch, and nowhere else.
      expect(git(repo, 'show', `pl/${id}/1:${file}`)).toBe(`written by ${id}`);
      for (const other of Object.values(files).filter((f) => f !== file)) {
        expect(() => git(repo, 'cat-file', '-e', `pl/${id}/1:${other}`)).toThrow();
      }
      const finished = events.find((e) => e.type === 'attempt-finished' && e.task === id)!;
      agents.add(finished.agent!);
      const printed = resultLine(path.join(repo, '.parallel-loop/agents', finished.agent!, 'logs', `${id}.1.log`));
      const usage = finished.usage as { costUsd?: number; turns?: number };
      expect(usage.costUsd).toBe(printed.total_cost_usd);
      expect(usage.turns).toBe(printed.num_turns);
      expect(usage.costUsd).toBeGreaterThan(0);
      const released = JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/claims', id, '1.released'), 'utf8'));
      expect(released.outcome).toBe('done');
      expect(released.usage).toEqual(finished.usage);
    }
    expect([...agents].sort()).toEqual(['agent-1', 'agent-2']);
    // Branch mode leaves the target alone.
    expect(git(repo, 'log', '--format=%s', 'main')).toBe('initial');
    expect(unhandled).toEqual([]);
  });
});
