import type { AgentEvent, AgentUsage } from './types.js';

type UsageKey = keyof AgentUsage;
const KEYS: readonly UsageKey[] = ['costUsd', 'turns', 'inputTokens', 'outputTokens'];

/**
 * What an attempt cost and did: each number summed over the events that carry it (the
 * adapters put numbers on result events only). A number no event carried stays undefined,
 * so "unknown" is not shown as 0. Pure.
 */
export function sumUsage(events: readonly AgentEvent[]): AgentUsage {
  const usage: AgentUsage = {};
  for (const event of events) {
    for (const key of KEYS) {
      const value = event[key];
      if (typeof value === 'number' && Number.isFinite(value)) usage[key] = (usage[key] ?? 0) + value;
    }
  }
  // Sums of cents pick up float noise (0.1 + 0.2); round cost to a millionth of a dollar.
  if (usage.costUsd !== undefined) usage.costUsd = Math.round(usage.costUsd * 1e6) / 1e6;
  return usage;
}
