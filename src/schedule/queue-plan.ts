import { loadConfigFile } from '../config/load.js';
import { cliOptions, resolveOptions } from '../config/validate.js';
import type { Layout } from '../queue/layout.js';
import { InboxIndex, type InboxEntry } from '../queue/inbox.js';
import { QueueStore } from '../queue/store.js';
import { fileStem } from '../task/id.js';
import type { Problem } from '../task/types.js';
import { historyMinutes, readAttemptSamples, stageHistory } from './history.js';
import { makePlan, type Plan } from './plan.js';

/** What `plan --json` prints: the Plan, plus what the scheduler inferred and what it could not read. */
export interface PlanReport extends Plan {
  /** Paths taken from each prompt, for tasks that declare no `touches`. */
  inferredTouches: Record<string, string[]>;
  /** Inbox files that are not valid tasks; `run` would move them to rejected/. */
  invalid: Array<{ file: string; problems: Problem[] }>;
}

/**
 * How the inbox would run, as `parallel-loop plan` shows it: read-only (planning never moves, rejects
 * or claims a file). `agents` is the command line's value, checked like `run --agents`; the config
 * file's is used when it is undefined.
 */
export function planQueue(layout: Layout, options: { agents?: unknown; allowSharedQueue?: boolean }): PlanReport {
  const resolved = resolveOptions(loadConfigFile(layout.config), cliOptions({ agents: options.agents }));
  const store = new QueueStore(layout);
  const index = new InboxIndex(store, { allowSharedQueue: options.allowSharedQueue ?? false, readOnly: true });
  const { rejected } = index.refresh();
  const ids = (state: 'running' | 'done' | 'failed') => new Set(store.taskFiles(state).map(fileStem));
  const failed = ids('failed');
  const entries = index.ordered();
  const samples = readAttemptSamples(layout);
  const plan = makePlan(
    entries.map((e) => ({ id: e.id, priority: e.priority, touches: e.task.touches, dependsOn: e.task.dependsOn, estimate: e.task.estimate, agent: e.task.agent ?? resolved.agent, stages: e.task.stages ?? resolved.stages })),
    // Running tasks count as done: what waits on them starts once they land.
    { agents: resolved.agents, history: historyMinutes(samples), stageHistory: stageHistory(samples), done: new Set([...ids('done'), ...ids('running')]) },
  );
  plan.problems = plan.problems.map((p) => (p.kind === 'unknown-dependency' && failed.has(p.ids[1]!) ? { ...p, message: failedDependency(p.ids[1]!) } : p));
  return { ...plan, inferredTouches: inferred(entries), invalid: rejected };
}

function failedDependency(id: string): string {
  return `dependsOn names "${id}", which failed (queue/failed/${id}.error.json); \`parallel-loop retry ${id}\` before this task can run`;
}


function inferred(entries: readonly InboxEntry[]): Record<string, string[]> {
  return Object.fromEntries(entries.filter((e) => e.task.touchesInferred).map((e) => [e.id, e.task.touches]));
}
