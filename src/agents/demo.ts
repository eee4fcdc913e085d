import { fileURLToPath } from 'node:url';
import type { AgentAdapter, AgentContext, AgentEvent, AgentInvocation } from './types.js';

/** The demo agent script shipped next to this file (dist/agents/demo-agent.js once built); named from dist/ down, so a bundle's chunk finds it too (scripts/bundle.js). */
export const DEMO_AGENT_SCRIPT = fileURLToPath(new URL('../agents/demo-agent.js', import.meta.url));

/** Events in one line of the demo agent's output: `[demo] done: ...` ends it, other `[demo]` lines are progress. */
export function parseDemoLine(line: string): AgentEvent[] {
  const match = /^\[demo\] (.*)$/.exec(line.trim());
  if (!match) return [];
  const text = match[1]!;
  // The demo agent spends nothing; a zero-cost result still lets status show a finished turn.
  if (text.startsWith('done:')) return [{ kind: 'result', summary: text, costUsd: 0, turns: 1, isError: false }];
  return [{ kind: 'text', summary: text }];
}

/**
 * The built-in demo agent: runs this Node with the shipped script, so a demo needs no agent
 * installed. It writes the file the prompt names (or demo/<task id>.md) and commits it.
 * PL_DEMO_DELAY_MS (default 800) sets how long it pretends to work.
 */
export const demoAdapter: AgentAdapter = {
  name: 'demo',
  invocation(ctx: AgentContext): AgentInvocation {
    return { file: process.execPath, args: [DEMO_AGENT_SCRIPT, ctx.promptFile, ctx.task.id] };
  },
  parseLine: parseDemoLine,
};
