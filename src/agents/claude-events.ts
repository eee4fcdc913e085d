import type { AgentEvent } from './types.js';
import { firstLine, isObject, num, objects, parseJsonLine, str, type Json } from './fields.js';
import { epochSecondsToIso, isRateLimitText, resetTimeFromText } from './rate-limit.js';

// Parsing of Claude Code's `--output-format stream-json --verbose` lines. Shapes as
// printed by @anthropic-ai/claude-code 2.1 (see test/fixtures/claude-stream*.jsonl):
//   {"type":"system","subtype":"init","session_id","model","permissionMode",...}
//   {"type":"system","subtype":"api_retry","attempt","max_retries","retry_delay_ms","error_status","error"}
//   {"type":"assistant","message":{"content":[text | tool_use | thinking]}, "error"?: "rate_limit" | ...}
//   {"type":"user","message":{"content":[{"type":"tool_result","content","is_error"?}]}}
//   {"type":"rate_limit_event","rate_limit_info":{"status","resetsAt"?,"rateLimitType"?}}
//   {"type":"result","subtype","is_error","api_error_status","num_turns","result","total_cost_usd","usage"}

// Printed on stderr when bypassPermissions is asked for as root; a plain line, not JSON.
const ROOT_REFUSAL = 'cannot be used with root/sudo privileges';

/** A short description of a tool call: `Write src/a.ts`, `Bash: npm test`, `Grep "todo"`. */
export function toolSummary(name: string, input: unknown): string {
  const args = isObject(input) ? input : {};
  const command = str(args.command);
  if (command !== undefined) return `${name}: ${firstLine(command, 120)}`;
  const target = str(args.file_path) ?? str(args.notebook_path) ?? str(args.path) ?? str(args.url);
  if (target !== undefined) return `${name} ${target}`;
  const pattern = str(args.pattern) ?? str(args.query) ?? str(args.description) ?? str(args.prompt);
  return pattern === undefined ? name : `${name} "${firstLine(pattern, 80)}"`;
}

/** Text of a tool result's content: a string, or a list of text blocks. */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block) => (isObject(block) ? (str(block.text) ?? '') : '')).join('\n');
}

function fromSystem(event: Json): AgentEvent[] {
  if (event.subtype === 'init') {
    const parts = [`model ${str(event.model) ?? '?'}`, `session ${str(event.session_id) ?? '?'}`];
    if (str(event.permissionMode)) parts.push(`permissions ${str(event.permissionMode)}`);
    return [{ kind: 'init', summary: `claude started: ${parts.join(', ')}` }];
  }
  if (event.subtype === 'api_retry') {
    // The CLI retries by itself; isError false says the attempt goes on.
    const status = num(event.error_status);
    const delay = num(event.retry_delay_ms);
    const retry = `retry ${num(event.attempt) ?? '?'}/${num(event.max_retries) ?? '?'}${delay === undefined ? '' : ` in ${(delay / 1000).toFixed(1)}s`}`;
    if (status === 429 || event.error === 'rate_limit') return [{ kind: 'rate-limit', summary: `rate limited (429), ${retry}`, isError: false }];
    return [{ kind: 'error', summary: `API error ${status ?? ''} (${str(event.error) ?? 'unknown'}), ${retry}`, isError: false }];
  }
  return [];
}

function fromAssistant(event: Json): AgentEvent[] {
  // A message with `error` is the CLI's own report of a failed API call; the result
  // line that follows carries the same text and the HTTP status, so it is reported there.
  if (event.error !== undefined) return [];
  const message = isObject(event.message) ? event.message : {};
  return objects(message.content).flatMap((block): AgentEvent[] => {
    if (block.type === 'text') {
      const summary = firstLine(str(block.text) ?? '');
      return summary === '' ? [] : [{ kind: 'text', summary }];
    }
    if (block.type === 'tool_use') return [{ kind: 'tool', summary: toolSummary(str(block.name) ?? 'tool', block.input) }];
    return [];
  });
}

function fromUser(event: Json): AgentEvent[] {
  const message = isObject(event.message) ? event.message : {};
  return objects(message.content)
    .filter((block) => block.type === 'tool_result')
    .map((block): AgentEvent => {
      const isError = block.is_error === true;
      const text = firstLine(resultText(block.content));
      return { kind: 'tool-result', summary: `${isError ? 'error' : 'ok'}${text === '' ? '' : `: ${text}`}`, isError };
    });
}

function fromResult(event: Json): AgentEvent[] {
  const usage = isObject(event.usage) ? event.usage : {};
  const costUsd = num(event.total_cost_usd);
  const turns = num(event.num_turns);
  const input = num(usage.input_tokens);
  // Cached prompt tokens are tokens sent too; count them so totals match what was billed.
  const inputTokens = input === undefined ? undefined : input + (num(usage.cache_creation_input_tokens) ?? 0) + (num(usage.cache_read_input_tokens) ?? 0);
  const outputTokens = num(usage.output_tokens);
  const isError = event.is_error === true || (str(event.subtype) ?? 'success') !== 'success';
  const text = str(event.result) ?? '';
  const numbers = [
    turns === undefined ? undefined : `${turns} turn${turns === 1 ? '' : 's'}`,
    costUsd === undefined ? undefined : `$${costUsd.toFixed(4)}`,
    inputTokens === undefined || outputTokens === undefined ? undefined : `${inputTokens} in / ${outputTokens} out tokens`,
  ].filter((part) => part !== undefined);
  const head = isError ? `failed (${str(event.subtype) === 'success' ? 'error' : str(event.subtype)}): ${firstLine(text) || 'no message'}` : 'done';
  const result: AgentEvent = { kind: 'result', summary: [head, ...numbers].join(', '), costUsd, turns, inputTokens, outputTokens, isError, ...(!isError && text ? { text } : {}) };
  if (!isError || !(event.api_error_status === 429 || isRateLimitText(text))) return [result];
  return [result, { kind: 'rate-limit', summary: firstLine(text) || 'rate limited', resetAt: resetTimeFromText(text), isError: true }];
}

function fromRateLimit(event: Json): AgentEvent[] {
  const info = isObject(event.rate_limit_info) ? event.rate_limit_info : {};
  // `allowed` and `allowed_warning` are advisories; only `rejected` stops work.
  if (info.status !== 'rejected') return [];
  const resetAt = epochSecondsToIso(info.resetsAt);
  const kind = str(info.rateLimitType) ?? 'usage';
  return [{ kind: 'rate-limit', summary: `${kind} limit reached${resetAt ? `, resets ${resetAt}` : ''}`, resetAt, isError: true }];
}

/** The events in one parsed stream-json value. Unknown event types give []. */
export function claudeEvents(event: unknown): AgentEvent[] {
  if (!isObject(event)) return [];
  switch (event.type) {
    case 'system':
      return fromSystem(event);
    case 'assistant':
      return fromAssistant(event);
    case 'user':
      return fromUser(event);
    case 'result':
      return fromResult(event);
    case 'rate_limit_event':
      return fromRateLimit(event);
    default:
      return [];
  }
}

/** Parse one line of Claude Code's stream-json output. Non-JSON lines give [], except the CLI's refusal to bypass permissions as root. */
export function parseClaudeLine(line: string): AgentEvent[] {
  if (line.includes(ROOT_REFUSAL)) {
    const summary = `${line.trim()} (set agentSettings.claude.permissionMode to "acceptEdits", or IS_SANDBOX=1 inside a sandbox)`;
    return [{ kind: 'error', summary, isError: true }];
  }
  return claudeEvents(parseJsonLine(line));
}
