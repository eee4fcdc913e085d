import { PlError } from '../errors.js';
import type { AgentAdapter } from './types.js';
import { aiderAdapter } from './aider.js';
import { claudeAdapter } from './claude.js';
import { codexAdapter } from './codex.js';
import { commandAdapter } from './command.js';
import { demoAdapter } from './demo.js';
import { shellAdapter } from './shell.js';

const ADAPTERS: readonly AgentAdapter[] = [claudeAdapter, codexAdapter, aiderAdapter, commandAdapter, shellAdapter, demoAdapter];

/** Names of the built-in agent adapters, in the order help text lists them. */
export const adapterNames: readonly string[] = ADAPTERS.map((adapter) => adapter.name);

/** The adapter called `name`. Throws PlError `UNKNOWN_AGENT` naming the known adapters. */
export function getAdapter(name: string): AgentAdapter {
  const adapter = ADAPTERS.find((a) => a.name === name);
  if (adapter) return adapter;
  throw new PlError('UNKNOWN_AGENT', `Unknown agent "${name}". Known agents: ${adapterNames.join(', ')}.`);
}
