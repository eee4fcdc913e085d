import type { AgentAdapter, AgentContext, AgentEvent, AgentInvocation, AgentSettings } from './types.js';
import { firstLine, isObject, num, objects, parseJsonLine, str, type Json } from './fields.js';
import { isRateLimitText, resetTimeFromText } from './rate-limit.js';
import { listSetting, modelArgs, promptNeedsStdin, stringSetting } from './settings.js';

// `codex exec --json` prints one event per line (openai/codex, codex-rs/exec/src/exec_events.rs):
//   thread.started {thread_id} · turn.started · turn.completed {usage} · turn.failed {error:{message}}
//   item.started / item.updated / item.completed {item:{id, type, ...}} · error {message}
// Items: agent_message {text}, reasoning {text}, command_execution {command, exit_code, status},
// file_change {changes:[{path, kind}], status}, mcp_tool_call {server, tool, status}, web_search {query},
// todo_list {items}, error {message}. Codex reports tokens but no cost.

function errorEvents(message: string): AgentEvent[] {
  const error: AgentEvent = { kind: 'error', summary: firstLine(message) || 'codex error', isError: true };
  if (!isRateLimitText(message)) return [error];
  return [error, { kind: 'rate-limit', summary: firstLine(message), resetAt: resetTimeFromText(message), isError: true }];
}

// Items are reported when they complete: a command's call and its outcome arrive together.
function itemEvents(item: Json): AgentEvent[] {
  switch (item.type) {
    case 'agent_message': {
      // The whole message too: codex's last one is its final text, where a review's `VERDICT:` line is read.
      const text = str(item.text) ?? '';
      const summary = firstLine(text);
      return summary === '' ? [] : [{ kind: 'text', summary, text }];
    }
    case 'command_execution': {
      const exit = num(item.exit_code);
      const isError = item.status === 'failed' || item.status === 'declined' || (exit !== undefined && exit !== 0);
      const tool: AgentEvent = { kind: 'tool', summary: `Bash: ${firstLine(str(item.command) ?? '', 120)}` };
      const outcome = `${isError ? 'error' : 'ok'}${exit === undefined ? '' : ` (exit ${exit})`}`;
      const output = firstLine(str(item.aggregated_output) ?? '');
      return [tool, { kind: 'tool-result', summary: output === '' ? outcome : `${outcome}: ${output}`, isError }];
    }
    case 'file_change': {
      const files = objects(item.changes).map((c) => `${str(c.kind) ?? 'update'} ${str(c.path) ?? '?'}`).join(', ');
      const isError = item.status === 'failed';
      return [
        { kind: 'tool', summary: `Edit ${files || '(no files)'}` },
        { kind: 'tool-result', summary: isError ? 'error: patch failed' : 'ok', isError },
      ];
    }
    case 'mcp_tool_call': {
      const isError = item.status === 'failed';
      return [
        { kind: 'tool', summary: `${str(item.server) ?? 'mcp'}.${str(item.tool) ?? '?'}` },
        { kind: 'tool-result', summary: isError ? `error: ${firstLine(str(isObject(item.error) ? item.error.message : '') ?? '')}` : 'ok', isError },
      ];
    }
    case 'web_search':
      return [{ kind: 'tool', summary: `WebSearch "${firstLine(str(item.query) ?? '', 80)}"` }];
    case 'error':
      // A non-fatal error item: reported, but the turn goes on.
      return [{ kind: 'error', summary: firstLine(str(item.message) ?? '') || 'codex error', isError: false }];
    default:
      return [];
  }
}

function turnCompleted(event: Json): AgentEvent[] {
  const usage = isObject(event.usage) ? event.usage : {};
  const inputTokens = num(usage.input_tokens);
  const outputTokens = num(usage.output_tokens);
  const tokens = inputTokens === undefined || outputTokens === undefined ? '' : `, ${inputTokens} in / ${outputTokens} out tokens`;
  return [{ kind: 'result', summary: `done, 1 turn${tokens}`, turns: 1, inputTokens, outputTokens, isError: false }];
}

/** The events in one parsed `codex exec --json` value. Unknown event types give []. */
export function codexEvents(event: unknown): AgentEvent[] {
  if (!isObject(event)) return [];
  switch (event.type) {
    case 'thread.started':
      return [{ kind: 'init', summary: `codex started: thread ${str(event.thread_id) ?? '?'}` }];
    case 'item.completed':
      return isObject(event.item) ? itemEvents(event.item) : [];
    case 'turn.completed':
      return turnCompleted(event);
    case 'turn.failed': {
      const message = str(isObject(event.error) ? event.error.message : undefined) ?? 'turn failed';
      return [{ kind: 'result', summary: `failed: ${firstLine(message)}`, turns: 1, isError: true }, ...errorEvents(message).slice(1)];
    }
    case 'error':
      return errorEvents(str(event.message) ?? 'codex error');
    default:
      return [];
  }
}

// Arguments that choose the sandbox themselves; codex refuses `--sandbox` given twice.
const SANDBOX_ARGS = /^(?:-s|--sandbox(?:=.*)?|--full-auto|--dangerously-bypass-approvals-and-sandbox)$/;

/**
 * OpenAI Codex CLI: `codex exec --json --sandbox workspace-write [--model m] [extraArgs] -- <prompt>`.
 * `exec` defaults to a read-only sandbox, in which the agent could not edit its worktree, so
 * workspace-write is added unless extraArgs choose a sandbox. Over-long prompts go through stdin (`-`).
 */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  invocation(ctx: AgentContext, settings: AgentSettings): AgentInvocation {
    const extra = listSetting('codex', settings, 'extraArgs');
    const sandbox = extra.some((arg) => SANDBOX_ARGS.test(arg)) ? [] : ['--sandbox', 'workspace-write'];
    const args = ['exec', '--json', ...sandbox, ...modelArgs('codex', settings), ...extra];
    const file = stringSetting('codex', settings, 'bin') ?? 'codex';
    if (promptNeedsStdin(ctx.prompt)) return { file, args: [...args, '-'], input: ctx.prompt };
    return { file, args: [...args, '--', ctx.prompt] };
  },
  parseLine: (line: string): AgentEvent[] => codexEvents(parseJsonLine(line)),
};
