import type { CommandModule } from 'yargs';
import { EXIT } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { layoutOf } from '../queue-args.js';
import { planQueue, type PlanReport } from '../../schedule/queue-plan.js';
import { formatPlan } from '../../schedule/format-plan.js';
import { printJson, printLines } from '../output.js';

interface PlanArgs extends CommonArgs {
  agents?: unknown;
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
    const layout = layoutOf(argv);
    const report = planQueue(layout, { agents: argv.agents, allowSharedQueue: argv.allowSharedQueue });
    if (argv.json) printJson(report);
    else printLines(formatReport(report));
    if (report.problems.length > 0) process.exitCode = EXIT.failure;
  },
};

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
