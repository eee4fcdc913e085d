import type { PlEvent } from '../lifecycle/events.js';

export interface RunSummary {
  wallMs: number;
  done: string[];
  failed: string[];
  /** Finished by their agent, but landing waits for the target checkout to be clean. */
  held: string[];
  retries: number;
  /** Sum of attempt durations over wall time: how much parallel work the run got. */
  speedup: number;
  costUsd: number;
  queue: Record<string, number>;
  /** The merge queue's work: batches landed and verify runs they took (absent without batches). */
  batches?: { count: number; verifyRuns: number; tasks: number; flaky: string[] };
}

/** Summarise one run from the events it recorded. Pure. */
export function summarize(events: readonly PlEvent[], wallMs: number, queue: Record<string, number>): RunSummary {
  const done = new Set<string>();
  const failed = new Set<string>();
  const held = new Set<string>();
  let retries = 0;
  let busyMs = 0;
  let costUsd = 0;
  let batches: RunSummary['batches'];
  for (const e of events) {
    if (e.type === 'batch') {
      batches ??= { count: 0, verifyRuns: 0, tasks: 0, flaky: [] };
      batches.count++;
      batches.verifyRuns += e.verifyRuns;
      batches.tasks += e.tasks.length;
      batches.flaky.push(...e.flaky);
    }
    if (!e.task) continue;
    if (e.type === 'done' || e.type === 'already-landed') done.add(e.task);
    if (e.type === 'failed') failed.add(e.task);
    if (e.type === 'held') held.add(e.task);
    if (e.type === 'retry') retries++;
    if (e.type === 'attempt-finished') {
      if (typeof e.durationMs === 'number') busyMs += e.durationMs;
      const usage = e.usage as { costUsd?: number } | undefined;
      if (typeof usage?.costUsd === 'number') costUsd += usage.costUsd;
    }
  }
  for (const id of [...done, ...failed]) held.delete(id);
  const summary: RunSummary = { wallMs, done: [...done].sort(), failed: [...failed].sort(), held: [...held].sort(), retries, speedup: wallMs > 0 ? busyMs / wallMs : 0, costUsd, queue };
  return batches ? { ...summary, batches } : summary;
}

export function formatSummary(s: RunSummary): string[] {
  const lines = [
    '',
    `Summary: ${s.done.length} done, ${s.failed.length} failed, ${s.retries} retries in ${(s.wallMs / 1000).toFixed(1)}s` +
      (s.speedup > 0 ? ` (agents worked ${s.speedup.toFixed(2)}x the wall time)` : '') +
      (s.costUsd > 0 ? `, cost $${s.costUsd.toFixed(4)}` : ''),
    `Queue now: ${Object.entries(s.queue).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  if (s.batches) {
    const b = s.batches;
    const flaky = b.flaky.length > 0 ? `; verify was flaky for ${b.flaky.join(', ')} (failed, then passed on the same tree)` : '';
    lines.push(`Merge queue: ${b.tasks} landings in ${b.count} batch${b.count === 1 ? '' : 'es'}, ${b.verifyRuns} verify run${b.verifyRuns === 1 ? '' : 's'}${flaky}`);
  }
  if (s.held.length > 0) lines.push(`Waiting to land: ${s.held.join(', ')} (their work is committed; \`parallel-loop status\` says why each waits, e.g. the target checked out with uncommitted changes; they land on the next run without running their agents again)`);
  if (s.failed.length > 0) lines.push(`Failed: ${s.failed.join(', ')} (reasons in queue/failed/<id>.error.json; \`parallel-loop retry <id>\` to try again)`);
  return lines;
}
