import { readEvents } from '../events/log.js';
import { ledgerFor } from '../governance/ledger.js';
import type { Layout } from '../queue/layout.js';
import { AGENT_STAGES, type AgentStage } from '../lifecycle/stages.js';

/** One finished attempt: how long the agent ran, and which adapter it was when known. */
export interface AttemptSample {
  task: string;
  agent?: string;
  minutes: number;
  /** The pipeline stage the attempt ran, from its event; absent outside a pipeline. */
  stage?: AgentStage;
}

/** Median minutes per pipeline stage: over every task, and per task. */
export interface StageHistory {
  all: ReadonlyMap<AgentStage, number>;
  byTask: ReadonlyMap<string, ReadonlyMap<AgentStage, number>>;
}

/**
 * Median minutes per task id and per adapter name, the keys `makePlan` reads as history. Pure.
 * A median, not a mean: one attempt stuck until its timeout should not double every estimate.
 */
export function historyMinutes(samples: readonly AttemptSample[]): Map<string, number> {
  const byKey = new Map<string, number[]>();
  const add = (key: string, minutes: number) => byKey.set(key, [...(byKey.get(key) ?? []), minutes]);
  for (const s of samples) {
    // A review or test attempt says nothing about how long a task's own work takes.
    if (s.stage !== undefined && s.stage !== 'implement') continue;
    add(s.task, s.minutes);
    if (s.agent !== undefined && s.agent !== s.task) add(s.agent, s.minutes);
  }
  return new Map([...byKey].map(([key, values]) => [key, median(values)]));
}

/** Median minutes per stage from the attempts that name one, over all tasks and per task. Pure. */
export function stageHistory(samples: readonly AttemptSample[]): StageHistory {
  const all = new Map<AgentStage, number[]>();
  const byTask = new Map<string, Map<AgentStage, number[]>>();
  for (const s of samples) {
    if (s.stage === undefined) continue;
    all.set(s.stage, [...(all.get(s.stage) ?? []), s.minutes]);
    const mine = byTask.get(s.task) ?? new Map<AgentStage, number[]>();
    mine.set(s.stage, [...(mine.get(s.stage) ?? []), s.minutes]);
    byTask.set(s.task, mine);
  }
  const medians = (m: Map<AgentStage, number[]>) => new Map([...m].map(([stage, values]) => [stage, median(values)]));
  return { all: medians(all), byTask: new Map([...byTask].map(([task, m]) => [task, medians(m)])) };
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
    const stage = (AGENT_STAGES as readonly unknown[]).includes(e.stage) ? (e.stage as AgentStage) : undefined;
    samples.push({ task: e.task, agent: adapters.get(`${e.task}#${e.gen}`), minutes: e.durationMs / 60_000, ...(stage ? { stage } : {}) });
  }
  return samples;
}
