import path from 'node:path';
import type { CommandModule } from 'yargs';
import { PlError } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { storeFor } from '../queue-args.js';
import { loadConfigFile } from '../../config/load.js';
import { currentBranch, revParse } from '../../git/repo.js';
import { parseDuration } from '../../task/fields.js';
import { clean, type CleanReport } from '../../health/clean.js';
import { ago, type CleanItem } from '../../health/clean-plan.js';
import { printJson, printLines } from '../output.js';

interface CleanArgs extends CommonArgs {
  target?: string;
  olderThan?: string;
  force: boolean;
  dryRun?: boolean;
}

export const cleanCommand: CommandModule<object, CleanArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .option('target', { type: 'string', describe: 'Branch an attempt branch must be merged into to be deleted [default: config, else the current branch]' })
      .option('older-than', { type: 'string', default: '7d', describe: 'Remove the claim history of tasks finished longer ago than this (e.g. 7d, 12h, 0)' })
      .option('force', { type: 'boolean', default: false, describe: 'Also delete unmerged branches and worktrees with uncommitted changes' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print what would be removed, change nothing' })
      .example([
        ['$0 clean --dry-run', 'see what would go and what stays, and why'],
        ['$0 clean --older-than 0', 'also drop the claim history of every finished task'],
      ]),
  handler: async (argv) => {
    const store = storeFor(argv);
    const target = argv.target ?? loadConfigFile(store.layout.config).target ?? (await currentBranch(store.layout.repo));
    if (!target) throw new PlError('NO_TARGET', 'HEAD is detached; pass --target <branch>.');
    if (!(await revParse(store.layout.repo, `refs/heads/${target}`))) {
      throw new PlError('TARGET_NOT_FOUND', `The target branch \`${target}\` does not exist. Pass another --target.`);
    }
    const olderThan = argv.olderThan ?? '7d';
    const seconds = parseDuration(olderThan, 86_400);
    if (seconds === undefined || seconds < 0) {
      throw new PlError('BAD_OPTION', `Expected --older-than to be a duration such as 7d, 12h or 0, got \`${olderThan}\``);
    }
    const report = await clean(store, { target, olderThanMs: seconds * 1000, force: argv.force, dryRun: argv.dryRun ?? false });
    if (argv.json) printJson(report);
    else printLines(formatReport(report));
  },
};

const NOUN: Record<CleanItem['kind'], string> = { worktree: 'worktree', folder: 'folder', branch: 'branch', claims: 'claim history of' };

/** One line per item; claim histories kept only for their age are counted in one line, as there may be thousands. */
export function formatReport(report: CleanReport): string[] {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const show = (item: CleanItem) => (item.kind === 'claims' ? item.name : item.kind === 'branch' ? item.name : path.normalize(item.name));
  const lines = report.removed.map((i) => `${verb} ${NOUN[i.kind]} ${show(i)}: ${i.reason}`);
  const young = report.kept.filter((i) => i.kind === 'claims' && /within --older-than/.test(i.reason));
  for (const item of report.kept) if (!young.includes(item)) lines.push(`kept ${NOUN[item.kind]} ${show(item)}: ${item.reason}`);
  if (young.length > 0) lines.push(`kept the claim history of ${young.length} finished task${young.length === 1 ? '' : 's'} released within --older-than ${ago(report.olderThanMs, false)}`);
  if (lines.length === 0) lines.push('nothing to clean');
  return lines;
}
