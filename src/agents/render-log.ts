import { renderClaudeLine } from './render.js';

// Claude Code's stream-json message types, and the ones it prints that carry nothing for a reader.
const CLAUDE_TYPES = new Set(['system', 'assistant', 'user', 'result', 'rate_limit_event', 'stream_event']);

/**
 * One line of an attempt's log for a person: Claude Code stream-json as readable lines (tool calls,
 * results, cost), undefined for its lines with nothing to show, and any other line (a shell agent's
 * output, stderr, another agent's JSON) exactly as written. Pure.
 */
export function renderLogLine(line: string): string | undefined {
  if (!line.trimStart().startsWith('{')) return line;
  const type = jsonType(line);
  if (type === undefined || !CLAUDE_TYPES.has(type)) return line;
  return renderClaudeLine(line);
}

function jsonType(line: string): string | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' ? (value as { type: string }).type : undefined;
  } catch {
    return undefined;
  }
}
