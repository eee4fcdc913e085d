import { describe, expect, it } from 'vitest';
import { aiderAdapter, aiderCount } from '../../src/agents/aider.js';
import type { AgentContext } from '../../src/agents/types.js';
import { sumUsage } from '../../src/agents/usage.js';

const ctx: AgentContext = {
  task: { id: 't', title: 't', prompt: '--help me', priority: 0, touches: [], dependsOn: [], env: {} },
  worktree: '/w',
  promptFile: '/w/p.md',
  prompt: '--help me',
  agentId: 'a',
  attempt: 1,
  gen: 1,
};

describe('aider parseLine', () => {
  it('reads tokens and the message cost from its summary lines', () => {
    const lines = [
      'Aider v0.86.2',
      'Model: anthropic/claude-sonnet-4-5 with diff edit format',
      'Tokens: 2.3k sent, 1.1k cache write, 450 received. Cost: $0.0093 message, $0.0093 session.',
      'Applied edit to src/a.ts',
      '> Tokens: 12,450 sent, 3,200 received. Cost: $0.052 message, $0.0613 session.',
    ];
    const events = lines.flatMap((l) => aiderAdapter.parseLine(l));
    expect(events).toEqual([
      { kind: 'result', summary: lines[2], costUsd: 0.0093, inputTokens: 2300, outputTokens: 450, turns: 1, isError: false },
      { kind: 'result', summary: lines[4]!.slice(2), costUsd: 0.052, inputTokens: 12450, outputTokens: 3200, turns: 1, isError: false },
    ]);
    expect(sumUsage(events)).toEqual({ costUsd: 0.0613, turns: 2, inputTokens: 14750, outputTokens: 3650 });
  });

  it('reports litellm rate-limit errors, not a model that talks about rate limits', () => {
    expect(aiderAdapter.parseLine('litellm.RateLimitError: AnthropicException - rate_limit_error')).toMatchObject([{ kind: 'rate-limit', isError: true }]);
    expect(aiderAdapter.parseLine('I added a rate limit of 429 requests to the API.')).toEqual([]);
  });

  it.each([
    ['950', 950],
    ['2.3k', 2300],
    ['1,250', 1250],
    ['1.2M', 1_200_000],
    ['lots', undefined],
  ])('counts %s as %s', (text, value) => expect(aiderCount(text)).toBe(value));
});

describe('aider invocation', () => {
  it('keeps the prompt one value even when it starts with dashes', () => {
    expect(aiderAdapter.invocation(ctx, { model: 'sonnet', extraArgs: ['--no-pretty'] })).toEqual({
      file: 'aider',
      args: ['--yes', '--model', 'sonnet', '--no-pretty', '--message=--help me'],
    });
  });
});
