import type { CommandModule } from 'yargs';
import { EXIT } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { loadConfigFile } from '../../config/load.js';
import { cliOptions, resolveOptions } from '../../config/validate.js';
import { layoutFor } from '../../queue/layout.js';
import { QueueStore } from '../../queue/store.js';
import { InboxIndex, type InboxEntry } from '../../queue/inbox.js';
import { fileStem } from '../../task/id.js';
import { makePlan, type Plan } from '../../schedule/plan.js';
import { formatPlan } from '../../schedule/format-plan.js';
import type { Problem } from '../../task/types.js';
import { printJson, printLines } from '../output.js';
import { historyMinutes, readAttemptSamples } from './plan-history.js';

interface PlanArgs extends CommonArgs {
  agents?: unknown;
}

/** What `plan --json` prints: the Plan, plus what the scheduler inferred and what it could not read. */
export interface PlanReport extends Plan {
  /** Paths taken from each prompt, for tasks that declare no `touches`. */
  inferredTouches: Record<string, string[]>;
  /** Inbox files that are not valid tasks; `run` would move them to rejected/. */
  invalid: Array<{ file: string; problems: Problem[] }>;
}

export const planCommand: CommandModule<object, PlanArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .option('agents', { alias: 'n', requiresArg: true, describe: 'Agents to plan for [default: the run setting, 3]' })
      .example([
        ['$0 plan --agents 4', 'waves, conflicting pairs and expected wall time with four agents'],
        ['$0 plan --json', 'the plan as JSON for scripts'],
      ]),
  handler: (argv) => {
    const layout = layoutFor(argv.repo, { queue: argv.queue, state: argv.state });
    const options = resolveOptions(loadConfigFile(layout.config), cliOptions({ agents: argv.agents }));
    const store = new QueueStore(layout);
    // Read-only: planning never moves, rejects or claims a file.
    const index = new InboxIndex(store, { allowSharedQueue: argv.allowSharedQueue, readOnly: true });
    const { rejected } = index.refresh();
    const ids = (state: 'running' | 'done' | 'failed') => new Set(store.taskFiles(state).map(fileStem));
    const failed = ids('failed');
    const entries = index.ordered();
    const plan = makePlan(
      entries.map((e) => ({ id: e.id, priority: e.priority, touches: e.task.touches, dependsOn: e.task.dependsOn, estimate: e.task.estimate, agent: e.task.agent ?? options.agent })),
      // Running tasks count as done: what waits on them starts once they land.
      { agents: options.agents, history: historyMinutes(readAttemptSamples(layout)), done: new Set([...ids('done'), ...ids('running')]) },
    );
    plan.problems = plan.problems.map((p) => (p.kind === 'unknown-dependency' && failed.has(p.ids[1]!) ? { ...p, message: failedDependency(p.ids[1]!) } : p));
    const report: PlanReport = { ...plan, inferredTouches: inferred(entries), invalid: rejected };
    if (argv.json) printJson(report);
    else printLines(formatReport(report));
    if (plan.problems.length > 0) process.exitCode = EXIT.failure;
  },
};

function failedDependency(id: string): string {
  return `dependsOn names "${id}", which failed (queue/failed/${id}.error.json); \`parallel-loop retry ${id}\` before this task can run`;
}

function inferred(entries: readonly InboxEntry[]): Record<string, string[]> {
  return Object.fromEntries(entries.filter((e) => e.task.touchesInferred).map((e) => [e.id, e.task.touches]));
}

function formatReport(report: PlanReport): string[] {
  const lines = [formatPlan(report)];
  const guessed = Object.entries(report.inferredTouches);
  if (guessed.length > 0) {
    lines.push('', 'Paths inferred from prompts (these tasks declare no touches):');
    for (const [id, paths] of guessed) lines.push(`  ${id}: ${paths.join(', ')}`);
  }
  if (report.invalid.length > 0) {
    lines.push('', `Not planned: ${report.invalid.length} invalid file${report.invalid.length === 1 ? '' : 's'} (\`run\` moves them to rejected/):`);
    for (const r of report.invalid) lines.push(`  ${r.file}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
  return lines;
}
