import type { AgentAdapter, AgentContext, AgentEvent, AgentInvocation, AgentSettings } from './types.js';
import { firstLine } from './fields.js';
import { resetTimeFromText } from './rate-limit.js';
import { listSetting, modelArgs, stringSetting } from './settings.js';

// Aider prints plain text. Two kinds of lines matter:
//   Tokens: 2.3k sent, 1.1k cache write, 450 received. Cost: $0.0093 message, $0.0093 session.
//   litellm.RateLimitError: AnthropicException - ... (then "Retrying in 0.5 seconds...")
const TOKENS_LINE = /Tokens:\s*([\d.,]+[kKmM]?)\s+sent\b.*?([\d.,]+[kKmM]?)\s+received\b/;
const MESSAGE_COST = /Cost:\s*\$([\d.]+)\s+message/;
// Only litellm's error names: a model's own text may well mention "rate limit".
const RATE_LIMIT_LINE = /\bRateLimitError\b|\bTooManyRequests\b/;

/** Aider's abbreviated counts (`2.3k`, `1,250`, `1.2M`) as numbers. */
export function aiderCount(text: string): number | undefined {
  const match = /^([\d.,]+)([kKmM]?)$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]!.replaceAll(',', ''));
  if (!Number.isFinite(value)) return undefined;
  const scale = { k: 1e3, m: 1e6 }[match[2]!.toLowerCase()] ?? 1;
  return Math.round(value * scale);
}

/** Events in one line of aider's output: a result per "Tokens: ... Cost: ..." line, a rate limit per RateLimitError. */
export function parseAiderLine(line: string): AgentEvent[] {
  if (RATE_LIMIT_LINE.test(line)) {
    return [{ kind: 'rate-limit', summary: firstLine(line), resetAt: resetTimeFromText(line), isError: true }];
  }
  const tokens = TOKENS_LINE.exec(line);
  const cost = MESSAGE_COST.exec(line);
  if (!tokens && !cost) return [];
  // Each line reports one message, so the results add up to the session.
  const costUsd = cost ? Number(cost[1]) : undefined;
  const inputTokens = tokens ? aiderCount(tokens[1]!) : undefined;
  const outputTokens = tokens ? aiderCount(tokens[2]!) : undefined;
  return [{ kind: 'result', summary: firstLine(line.replace(/^[>\s]+/, '')), costUsd, inputTokens, outputTokens, turns: 1, isError: false }];
}

/** Aider: `aider --yes [--model m] [extraArgs] --message=<prompt>` (the `=` form keeps a prompt starting with `-` a value). */
export const aiderAdapter: AgentAdapter = {
  name: 'aider',
  invocation(ctx: AgentContext, settings: AgentSettings): AgentInvocation {
    const args = ['--yes', ...modelArgs('aider', settings), ...listSetting('aider', settings, 'extraArgs'), `--message=${ctx.prompt}`];
    return { file: stringSetting('aider', settings, 'bin') ?? 'aider', args };
  },
  parseLine: parseAiderLine,
};
