import type { AgentEvent } from './types.js';
import { parseClaudeLine } from './claude-events.js';

const LABELS: Record<AgentEvent['kind'], string> = {
  init: 'start',
  text: 'say',
  tool: 'tool',
  'tool-result': 'result',
  result: 'end',
  error: 'error',
  'rate-limit': 'limit',
};

/** One readable log line for an event: a fixed-width label, then its summary, e.g. `tool   Write src/a.ts`. */
export function renderEvent(e: AgentEvent): string {
  const label = e.kind === 'tool-result' && e.isError ? 'failed' : LABELS[e.kind];
  const reset = e.kind === 'rate-limit' && e.resetAt && !e.summary.includes(e.resetAt) ? ` (resets ${e.resetAt})` : '';
  return `${label.padEnd(6)} ${e.summary}${reset}`;
}

/**
 * A raw line of Claude Code's stream-json log as readable text: tool calls, their results,
 * what the agent said, and the final cost. Undefined for JSON lines with nothing worth
 * showing; a line that is not JSON (stderr, a crash) is returned trimmed, as written.
 */
export function renderClaudeLine(line: string): string | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  const events = parseClaudeLine(trimmed);
  if (events.length > 0) return events.map(renderEvent).join('\n');
  return trimmed.startsWith('{') ? undefined : trimmed;
}
