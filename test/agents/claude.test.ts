import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../src/agents/claude.js';
import { toolSummary } from '../../src/agents/claude-events.js';
import type { AgentContext, AgentEvent } from '../../src/agents/types.js';
import type { Task } from '../../src/task/types.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const lines = (name: string) => fs.readFileSync(path.join(fixtures, name), 'utf8').split('\n').filter((l) => l !== '');
const parseAll = (name: string): AgentEvent[] => lines(name).flatMap((l) => claudeAdapter.parseLine(l));
const resultLine = (name: string) => JSON.parse(lines(name).find((l) => l.includes('"type":"result"'))!) as Record<string, unknown>;

const task: Task = { id: 't1', title: 'T1', prompt: 'p', priority: 0, touches: [], dependsOn: [], env: {} };
const ctx = (prompt = 'Write hello.txt'): AgentContext => ({
  task,
  worktree: '/w',
  promptFile: '/w/.prompt.md',
  prompt,
  agentId: 'a1',
  attempt: 1,
  gen: 1,
});

describe('claude parseLine on a real transcript', () => {
  const events = parseAll('claude-stream.jsonl');

  it('reads the init line', () => {
    expect(events[0]).toEqual({ kind: 'init', summary: expect.stringMatching(/^claude started: model claude-.*, session [0-9a-f-]+, permissions bypassPermissions$/) });
  });

  it('reads tool calls, their results and text in order', () => {
    const middle = events.slice(1, -1).map((e) => [e.kind, e.summary, e.isError]);
    expect(middle).toEqual([
      ['text', 'Writing hello.txt.', undefined],
      ['tool', expect.stringMatching(/^Write \/.*\/hello\.txt$/), undefined],
      ['tool-result', expect.stringMatching(/^ok: File created successfully at: .*hello\.txt/), false],
      ['tool', 'Bash: cat hello.txt', undefined],
      ['tool-result', 'ok: hello world', false],
      ['tool', 'Read /nonexistent/missing.txt', undefined],
      ['tool-result', expect.stringMatching(/^error: File does not exist\./), true],
      ['text', 'Created hello.txt.', undefined],
    ]);
  });

  it('takes cost, turns and tokens from the result line', () => {
    const raw = resultLine('claude-stream.jsonl');
    const result = events.at(-1)!;
    expect(result).toMatchObject({ kind: 'result', isError: false, costUsd: raw.total_cost_usd, turns: raw.num_turns });
    expect(result).toMatchObject({ costUsd: 0.04, turns: 4, inputTokens: 4000, outputTokens: 800 });
    expect(result.summary).toBe('done, 4 turns, $0.0400, 4000 in / 800 out tokens');
    // The whole final text, where a review stage's `VERDICT:` line is read from.
    expect(result.text).toBe(raw.result);
  });
});

describe('claude parseLine on errors', () => {
  it('reports a 429 the CLI retries as a rate limit that is not yet an error', () => {
    const events = parseAll('claude-stream-rate-limit.jsonl');
    expect(events.map((e) => [e.kind, e.isError])).toEqual([
      ['init', undefined],
      ['rate-limit', false],
      ['result', true],
      ['rate-limit', true],
    ]);
    expect(events[1]!.summary).toBe('rate limited (429), retry 1/1 in 1.0s');
    expect(events[2]).toMatchObject({ costUsd: 0, turns: 1 });
    expect(events[3]!.summary).toMatch(/^API Error: Request rejected \(429\)/);
    expect(events[3]!.resetAt).toBeUndefined();
  });

  it('reports an API error as a failed result, not a rate limit', () => {
    const events = parseAll('claude-stream-api-error.jsonl');
    expect(events.map((e) => e.kind)).toEqual(['init', 'result']);
    expect(events[1]).toMatchObject({ isError: true, costUsd: 0 });
    expect(events[1]!.summary).toMatch(/^failed \(error\): API Error: 500 Internal server error/);
  });

  it('takes the reset time from a rate_limit_event that rejected the request', () => {
    const line = JSON.stringify({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 1893456000, rateLimitType: 'five_hour' } });
    expect(claudeAdapter.parseLine(line)).toEqual([
      { kind: 'rate-limit', summary: 'five_hour limit reached, resets 2030-01-01T00:00:00.000Z', resetAt: '2030-01-01T00:00:00.000Z', isError: true },
    ]);
    const warning = JSON.stringify({ type: 'rate_limit_event', rate_limit_info: { status: 'allowed_warning', resetsAt: 1893456000 } });
    expect(claudeAdapter.parseLine(warning)).toEqual([]);
  });

  it('takes the reset time from the older "usage limit reached|<epoch>" result text', () => {
    const line = JSON.stringify({ type: 'result', subtype: 'success', is_error: true, num_turns: 1, total_cost_usd: 0, result: 'Claude AI usage limit reached|1893456000' });
    expect(claudeAdapter.parseLine(line)[1]).toMatchObject({ kind: 'rate-limit', resetAt: '2030-01-01T00:00:00.000Z' });
  });

  it('marks results with an error subtype as failed', () => {
    const line = JSON.stringify({ type: 'result', subtype: 'error_max_turns', is_error: false, num_turns: 30, total_cost_usd: 1.5 });
    expect(claudeAdapter.parseLine(line)).toEqual([
      { kind: 'result', summary: 'failed (error_max_turns): no message, 30 turns, $1.5000', costUsd: 1.5, turns: 30, inputTokens: undefined, outputTokens: undefined, isError: true },
    ]);
  });

  it('explains the refusal to bypass permissions as root', () => {
    const [event] = claudeAdapter.parseLine('--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons');
    expect(event).toMatchObject({ kind: 'error', isError: true });
    expect(event!.summary).toContain('permissionMode');
  });

  it.each([['plain text'], [''], ['{"type":'], ['[1,2]'], ['{"type":"stream_event","event":{}}'], ['{"type":"system","subtype":"compact_boundary"}']])(
    'gives no events for %j',
    (line) => expect(claudeAdapter.parseLine(line)).toEqual([]),
  );
});

describe('toolSummary', () => {
  it.each([
    ['Edit', { file_path: 'src/a.ts', old_string: 'x' }, 'Edit src/a.ts'],
    ['Bash', { command: 'npm test\nnpm run lint' }, 'Bash: npm test'],
    ['Grep', { pattern: 'TODO', path: undefined }, 'Grep "TODO"'],
    ['TodoWrite', { todos: [] }, 'TodoWrite'],
    ['Odd', 'not an object', 'Odd'],
  ])('%s %j → %s', (name, input, expected) => expect(toolSummary(name, input)).toBe(expected));
});

describe('claude invocation', () => {
  it('passes the prompt as the last argument, after --', () => {
    expect(claudeAdapter.invocation(ctx('-starts with a dash'), {})).toEqual({
      file: 'claude',
      args: ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions', '--', '-starts with a dash'],
    });
  });

  it('adds the model, permission mode, extra arguments and binary from settings', () => {
    const inv = claudeAdapter.invocation(ctx(), { bin: '/opt/claude', model: 'sonnet', permissionMode: 'acceptEdits', extraArgs: ['--allowedTools', 'Bash', 'Edit'] });
    expect(inv.file).toBe('/opt/claude');
    expect(inv.args).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits', '--model', 'sonnet', '--allowedTools', 'Bash', 'Edit', '--', 'Write hello.txt']);
  });

  it('sends a prompt too long for one argument through stdin', () => {
    const prompt = 'x'.repeat(200_000);
    const inv = claudeAdapter.invocation(ctx(prompt), {});
    expect(inv.input).toBe(prompt);
    expect(inv.args.at(-1)).toBe('bypassPermissions');
  });

  it('names the setting and the value when a setting has the wrong type', () => {
    expect(() => claudeAdapter.invocation(ctx(), { extraArgs: '--verbose' as unknown as string[] })).toThrow(
      expect.objectContaining({ code: 'BAD_AGENT_SETTING', message: 'Expected `agentSettings.claude.extraArgs` to be an array of strings, got `"--verbose"` (string)' }),
    );
    expect(() => claudeAdapter.invocation(ctx(), { model: '' })).toThrow(expect.objectContaining({ code: 'BAD_AGENT_SETTING' }));
  });
});
