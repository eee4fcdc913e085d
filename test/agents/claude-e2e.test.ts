// The claude adapter against the real Claude Code CLI, talking to a fake Messages API.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../src/agents/claude.js';
import type { AgentContext, AgentEvent } from '../../src/agents/types.js';
import { sumUsage } from '../../src/agents/usage.js';
import { claudeBin, fakeClaudeEnv } from '../helpers/claude-bin.js';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fixtures/fake-anthropic.mjs';

let api: FakeAnthropic;
const unhandled: string[] = [];

beforeAll(async () => {
  api = await startFakeAnthropic({ log: (line) => unhandled.push(line) });
});
afterAll(() => api.close());

/** Run the adapter's command line for a prompt in `repo`, as the worker would, and parse its output. */
async function runClaude(repo: string, prompt: string, extraEnv: Record<string, string> = {}) {
  const ctx: AgentContext = {
    task: { id: 'hello', title: 'hello', prompt, priority: 0, touches: [], dependsOn: [], env: {} },
    worktree: repo,
    promptFile: path.join(repo, '.prompt.md'),
    prompt,
    agentId: 'agent-1',
    attempt: 1,
    gen: 1,
  };
  const inv = claudeAdapter.invocation(ctx, { bin: claudeBin() });
  const child = await execa(inv.file, inv.args, {
    cwd: repo,
    reject: false,
    timeout: 25_000,
    stdin: 'ignore',
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '',
      ...fakeClaudeEnv(api.url, tmpDir('pl-claude-home-')),
      ...extraEnv,
    },
  });
  const lines = child.stdout.split('\n').filter((l) => l !== '');
  const events: AgentEvent[] = lines.flatMap((l) => claudeAdapter.parseLine(l));
  const resultLine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.type === 'result');
  return { child, events, resultLine };
}

describe('claude adapter with the real CLI', () => {
  it('writes the file the task asks for, and reports the cost and turns the CLI printed', async () => {
    const repo = tmpRepo();
    const { child, events, resultLine } = await runClaude(repo, 'WRITE_FILE: hello.txt CONTENT: hello from the fake API');
    expect(child.exitCode, child.stderr).toBe(0);
    expect(fs.readFileSync(path.join(repo, 'hello.txt'), 'utf8')).toBe('hello from the fake API\n');

    const usage = sumUsage(events);
    expect(resultLine).toBeDefined();
    expect(usage.costUsd).toBe(resultLine!.total_cost_usd);
    expect(usage.turns).toBe(resultLine!.num_turns);
    // Two model calls of 1000 in / 200 out tokens each, at the default model's price.
    expect(usage).toEqual({ costUsd: 0.02, turns: 2, inputTokens: 2000, outputTokens: 400 });
    expect(events.map((e) => e.kind)).toEqual(['init', 'text', 'tool', 'tool-result', 'text', 'result']);
    expect(events[2]!.summary).toBe(`Write ${path.join(fs.realpathSync(repo), 'hello.txt')}`);
    expect(unhandled).toEqual([]);
  });

  it('runs two CLIs at once in two repositories, each doing its own task', async () => {
    const [a, b] = [tmpRepo(), tmpRepo()];
    const [ra, rb] = await Promise.all([
      runClaude(a, 'WRITE_FILE: a.txt CONTENT: first agent'),
      runClaude(b, 'WRITE_FILE: b.txt CONTENT: second agent'),
    ]);
    expect([ra.child.exitCode, rb.child.exitCode]).toEqual([0, 0]);
    expect(fs.readFileSync(path.join(a, 'a.txt'), 'utf8')).toBe('first agent\n');
    expect(fs.readFileSync(path.join(b, 'b.txt'), 'utf8')).toBe('second agent\n');
    expect(fs.existsSync(path.join(a, 'b.txt')) || fs.existsSync(path.join(b, 'a.txt'))).toBe(false);
  });

  it('reports a 429 as a rate limit and a failed result', async () => {
    const { child, events } = await runClaude(tmpRepo(), 'RATE_LIMIT', { CLAUDE_CODE_MAX_RETRIES: '0' });
    expect(child.exitCode).toBe(1);
    expect(events.map((e) => [e.kind, e.isError])).toEqual([
      ['init', undefined],
      ['result', true],
      ['rate-limit', true],
    ]);
  });
});
