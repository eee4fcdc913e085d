import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codexAdapter } from '../../src/agents/codex.js';
import type { AgentContext } from '../../src/agents/types.js';
import { sumUsage } from '../../src/agents/usage.js';

// Built from the event shapes in openai/codex codex-rs/exec/src/exec_events.rs.
const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/codex-exec.jsonl');

const ctx = (prompt: string): AgentContext => ({
  task: { id: 't', title: 't', prompt, priority: 0, touches: [], dependsOn: [], env: {} },
  worktree: '/w',
  promptFile: '/w/p.md',
  prompt,
  agentId: 'a',
  attempt: 1,
  gen: 1,
});

describe('codex parseLine', () => {
  const events = fs.readFileSync(fixture, 'utf8').split('\n').flatMap((l) => codexAdapter.parseLine(l));

  it('turns completed items into tool calls, results and text, and skips the rest', () => {
    expect(events.map((e) => [e.kind, e.summary, e.isError])).toEqual([
      ['init', 'codex started: thread 0199a213-81c0-7800-8aa1-bbab2a035a53', undefined],
      ['tool', 'Bash: bash -lc ls', undefined],
      ['tool-result', 'ok (exit 0): README.md', false],
      ['tool', "Bash: bash -lc 'npm test'", undefined],
      ['tool-result', 'error (exit 1): 1 failing', true],
      ['tool', 'Edit update src/a.ts, add src/b.ts', undefined],
      ['tool-result', 'ok', false],
      ['tool', 'docs.search', undefined],
      ['tool-result', 'error: server gone', true],
      ['tool', 'WebSearch "vitest 4 pool forks"', undefined],
      ['error', 'command timed out, continuing', false],
      ['text', 'Updated src/a.ts and added src/b.ts.', undefined],
      ['result', 'done, 1 turn, 24763 in / 122 out tokens', false],
    ]);
  });

  it('takes tokens from turn.completed; codex reports no cost', () => {
    expect(sumUsage(events)).toEqual({ turns: 1, inputTokens: 24763, outputTokens: 122 });
  });

  it('reports a failed turn, and a rate limit when its message says so', () => {
    const failed = codexAdapter.parseLine('{"type":"turn.failed","error":{"message":"stream error: exceeded retry limit, last status: 429 Too Many Requests"}}');
    expect(failed.map((e) => [e.kind, e.isError])).toEqual([
      ['result', true],
      ['rate-limit', true],
    ]);
    expect(codexAdapter.parseLine('{"type":"error","message":"Reconnecting... 2/5"}')).toEqual([{ kind: 'error', summary: 'Reconnecting... 2/5', isError: true }]);
    expect(codexAdapter.parseLine('{"type":"error","message":"You\'ve hit your usage limit. Try again at 2030-01-01T00:00:00Z."}')[1]).toMatchObject({
      kind: 'rate-limit',
      resetAt: '2030-01-01T00:00:00.000Z',
    });
  });

  it.each([['Reading prompt from stdin...'], ['{"type":"turn.started"}'], ['{"type":"item.completed"}'], ['{not json']])('gives no events for %j', (line) =>
    expect(codexAdapter.parseLine(line)).toEqual([]),
  );
});

describe('codex invocation', () => {
  it('asks for JSON events and a writable sandbox, with the prompt last', () => {
    expect(codexAdapter.invocation(ctx('-fix it'), { model: 'gpt-5-codex' })).toEqual({
      file: 'codex',
      args: ['exec', '--json', '--sandbox', 'workspace-write', '--model', 'gpt-5-codex', '--', '-fix it'],
    });
  });

  it('leaves the sandbox to extraArgs that choose one', () => {
    const inv = codexAdapter.invocation(ctx('p'), { extraArgs: ['--dangerously-bypass-approvals-and-sandbox'] });
    expect(inv.args).toEqual(['exec', '--json', '--dangerously-bypass-approvals-and-sandbox', '--', 'p']);
  });

  it('reads a very long prompt from stdin', () => {
    const prompt = 'y'.repeat(150_000);
    const inv = codexAdapter.invocation(ctx(prompt), {});
    expect(inv.args.at(-1)).toBe('-');
    expect(inv.input).toBe(prompt);
  });
});
