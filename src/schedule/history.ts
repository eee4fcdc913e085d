import { readEvents } from '../events/log.js';
import { ledgerFor } from '../governance/ledger.js';
import type { Layout } from '../queue/layout.js';

/** One finished attempt: how long the agent ran, and which adapter it was when known. */
export interface AttemptSample {
  task: string;
  agent?: string;
  minutes: number;
}

/**
 * Median minutes per task id and per adapter name, the keys `makePlan` reads as history. Pure.
 * A median, not a mean: one attempt stuck until its timeout should not double every estimate.
 */
export function historyMinutes(samples: readonly AttemptSample[]): Map<string, number> {
  const byKey = new Map<string, number[]>();
  const add = (key: string, minutes: number) => byKey.set(key, [...(byKey.get(key) ?? []), minutes]);
  for (const s of samples) {
    add(s.task, s.minutes);
    if (s.agent !== undefined && s.agent !== s.task) add(s.agent, s.minutes);
  }
  return new Map([...byKey].map(([key, values]) => [key, median(values)]));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Past attempts from `attempt-finished` events in events.jsonl; the adapter of each comes from
 * its ledger entry (`<task>.<gen>.json`), since the event names the worker slot, not the adapter.
 */
export function readAttemptSamples(layout: Layout): AttemptSample[] {
  const adapters = new Map(ledgerFor(layout.ledger).entries().map((e) => [`${e.task}#${e.gen}`, e.agent]));
  const samples: AttemptSample[] = [];
  for (const e of readEvents(layout.events)) {
    if (e.type !== 'attempt-finished' || typeof e.task !== 'string' || typeof e.durationMs !== 'number') continue;
    samples.push({ task: e.task, agent: adapters.get(`${e.task}#${e.gen}`), minutes: e.durationMs / 60_000 });
  }
  return samples;
}
