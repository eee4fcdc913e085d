import type { CommandModule } from 'yargs';
import { ERROR_CODES, EXIT, PlError } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { loadConfigFile } from '../../config/load.js';
import { refuseConflicts, resolveOptions } from '../../config/validate.js';
import type { RunOptions } from '../../config/options.js';
import { layoutOf } from '../queue-args.js';
import { isInside, preflightFile, type Layout } from '../../queue/layout.js';
import { QueueStore } from '../../queue/store.js';
import { checkHardLinks, checkQueuePermissions } from '../../queue/preflight.js';
import { preflightReason, runPreflight, writePreflight } from '../../governance/preflight-commands.js';
import { currentBranch, requireGit, revParse } from '../../git/repo.js';
import { ensureStateIgnored } from '../../git/worktree.js';
import { discardPrewarmed, prewarmWorkers, Supervisor } from '../../supervisor/supervisor.js';
import { progressLine } from '../../supervisor/progress.js';
import { formatSummary, summarize } from '../../supervisor/summary.js';
import { appendEvent } from '../../events/log.js';
import type { PlEvent } from '../../lifecycle/events.js';
import os from 'node:os';
import { printJson, printLines } from '../output.js';
import { runOptionsBuilder, cliRunOptions, type RunArgs } from './run-options.js';
import { runStoppedByBudget } from '../../governance/budget-checks.js';
import { claudeRootRefusal, startsClaude } from '../../agents/claude-root.js';
import { queuedTasks } from '../../queue/queued-tasks.js';
import { openBreaker, resetBreaker } from '../../governance/breaker-file.js';
import { breakerMessage } from '../../governance/breaker.js';
import { landingStop, landingStopMessage, resetLandingStop } from '../../governance/landing-stop.js';
import { resolveRunTarget } from '../../merge/run-target.js';

export const runCommand: CommandModule<object, CommonArgs & RunArgs> = {
  builder: (y) =>
    runOptionsBuilder(withCommonOptions(y)).example([
      ['$0 run --agents 3', 'three agents work the queue until stopped (Ctrl-C: finish and land, twice: stop now)'],
      ['$0 run --once --agent shell', 'drain the queue once with the shell agent, exit 1 if any task failed'],
      ['$0 run --single --in-place', 'one agent in this process, working in the current checkout'],
    ]),
  handler: async (argv) => {
    // A reader that went away (`run | head`) closes the pipe: the run goes on landing, printing nothing more.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    const layout = layoutOf(argv);
    // Both checked before a worker is forked: a bad value stops the run here, not as a failed task later.
    const fromCli = cliRunOptions(argv);
    const fromFile = loadConfigFile(layout.config);
    const options = resolveOptions(fromFile, fromCli);
    refuseConflicts(options, fromFile, fromCli, layout.config);
    // Before the workers are forked too: a refusal then costs no worker start-ups.
    refuseClaudeAsRoot(new QueueStore(layout), options, argv.agent !== undefined);
    // Workers load while the checks below run; any that no slot takes are ended. Spares forked on a guess from
    // the command line (cli/main.ts) are topped up or ended here, now that the options are known.
    prewarmWorkers(options.single ? 0 : options.agents);
    try {
      await runChecked(argv, layout, options);
    } finally {
      discardPrewarmed();
    }
  },
};

async function runChecked(argv: CommonArgs & RunArgs, layout: Layout, options: RunOptions): Promise<void> {
  // The start-up repair (monitor, reclaims) is loaded while git answers the checks below.
  const repairModule = import('../../health/repair.js');
  await preflight(layout.repo, options);
  const store = new QueueStore(layout);
  store.init();
  checkHardLinks(layout.agents, layout.claims);
  checkQueuePermissions(layout, argv.allowSharedQueue);
  // Needed before any commit in place; it runs beside the repair below, both before a worker starts. Worktrees
  // outside the state folder (a shared state folder elsewhere, or --worktrees) but inside the clone, too.
  const ignored = ensureStateIgnored(layout.repo, layout.state).then(async () => isInside(layout.worktrees, layout.state) || ensureStateIgnored(layout.repo, layout.worktrees));

  const events: PlEvent[] = [];
  const say = (line: string) => (argv.json ? process.stderr : process.stdout).write(line + '\n');
  await firstPreflight(layout, options, say);
  const supervisor = new Supervisor({
    repo: layout.repo,
    queue: argv.queue,
    state: argv.state,
    worktrees: argv.worktrees,
    options,
    allowSharedQueue: argv.allowSharedQueue,
    onEvent: (event) => {
      events.push(event);
      const line = argv.json ? undefined : progressLine(event);
      if (line) say(line);
    },
    say,
    warn: (line) => process.stderr.write(line + '\n'),
  });
  const { repairOnStart } = await repairModule;
  const [repaired] = await Promise.all([
    repairOnStart(store, options, { agentId: supervisor.id, pid: process.pid, host: os.hostname() }, (e) => appendEvent(layout.events, { agent: supervisor.id, ...e })),
    ignored,
  ]);
  for (const line of repaired) say(`repaired: ${line}`);
  // Whatever broke the agents' environment last time may have been fixed since.
  await resetBreaker(layout.breaker, layout.sharedLocks, os.hostname());
  await resetLandingStop(layout.landingStop, layout.sharedLocks, os.hostname());
  let signals = 0;
  const onSignal = () => {
    signals++;
    supervisor.signal();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  const mode = options.inPlace ? 'in place' : options.single ? 'single agent, no fork' : `${options.agents} agents`;
  const targetName = options.remote ? `${options.remote}/${options.target}` : options.target;
  if (!argv.json) say(`parallel-loop: ${mode}, target ${targetName}, land ${options.land}, queue ${layout.queue}${options.once ? ', until the queue is empty' : ''}`);
  const { errored } = await supervisor.run();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const summary = summarize(events, Date.now() - started, store.countTasks());
  // Spending stops a run like a failure does (exit 1): work is left that was not attempted.
  const budgetStop = runStoppedByBudget(layout, options, summary.queue.inbox ?? 0);
  const broken = openBreaker(layout.breaker, os.hostname());
  const refused = landingStop(layout.landingStop, os.hostname());
  const stopped = refused ? { code: refused.code, message: landingStopMessage(refused) } : undefined;
  if (argv.json) printJson({ ...summary, errored, interrupted: signals > 0, ...(budgetStop ? { budgetStop } : {}), ...(broken ? { breaker: broken } : {}), ...(stopped ? { error: stopped } : {}) });
  else printLines([...formatSummary(summary), ...errored.map((e) => `Errored slot: ${e}`), ...(budgetStop ? [`Stopped: ${budgetStop}`] : [])]);
  if (stopped) {
    // Neither the tasks nor the agents failed: the remote refused this host, and only a person can fix that.
    process.stderr.write(`parallel-loop: ${stopped.message}\n`);
    process.exitCode = ERROR_CODES[stopped.code].exit;
  } else if (broken) {
    // The environment, not the tasks, is at fault: exit as the other refusals of the environment do.
    process.stderr.write(`parallel-loop: ${breakerMessage(broken)}\n`);
    process.exitCode = EXIT.environment;
  } else if (signals > 0) process.exitCode = EXIT.interrupted;
  else if (summary.failed.length > 0 || summary.held.length > 0 || errored.length > 0 || budgetStop) process.exitCode = EXIT.failure;
}

/**
 * The `preflight` commands, once before any worker starts: a failure does not stop the run (the service
 * may be on its way up), it is said, and the workers wait on it through the record written here.
 */
async function firstPreflight(layout: Layout, options: RunOptions, say: (line: string) => void): Promise<void> {
  if (options.preflight.length === 0) return;
  const record = await runPreflight({ commands: options.preflight, cwd: layout.repo, timeoutMs: options.preflightTimeoutMs, killGraceMs: options.killGraceMs });
  writePreflight(preflightFile(layout, options.hostId), record);
  if (!record.ok) say(`${preflightReason(record)}; the run waits until it passes`);
}

/**
 * Refuse, before anything is claimed or repaired, a run whose claude attempts Claude Code would all
 * refuse (root without a sandbox): otherwise each task fails maxAttempts times and the queue ends in failed/.
 */
function refuseClaudeAsRoot(store: QueueStore, options: RunOptions, agentAsked: boolean): void {
  const refusal = claudeRootRefusal({ uid: process.getuid?.() ?? -1, settings: options.agentSettings.claude ?? {}, env: process.env });
  if (refusal && startsClaude(queuedTasks(store), options.agent, agentAsked)) {
    throw new PlError('CLAUDE_AS_ROOT', `${refusal.message}. Nothing was claimed. Fix: ${refusal.fix}.`);
  }
}

/** Refuse early, with the fix, when the repository cannot be worked in. Fills in the target branch. */
async function preflight(repo: string, options: RunOptions): Promise<void> {
  // Outside a repository git exits 128: that is this refusal. Any other failure (git killed, not
  // installed) is reported as itself, not as a missing repository.
  const notARepo = (err: unknown) => {
    if (err instanceof PlError && (err.details as { exitCode?: number } | undefined)?.exitCode === 128) return undefined;
    throw err;
  };
  // The three git questions at once (each is a process; the workers are loading meanwhile), judged in order.
  const [head, version, target] = await Promise.allSettled([
    revParse(repo, 'HEAD').catch(notARepo),
    options.land === 'merge' && !options.inPlace ? requireGit('2.38') : Promise.resolve(undefined),
    options.target ? revParse(repo, `refs/heads/${options.target}`) : currentBranch(repo),
  ]);
  if (!settled(head)) {
    throw new PlError('NOT_A_REPO', `${repo} is not a git repository with a commit. Run \`git init\` and commit once, or pass --repo <dir>.`);
  }
  settled(version);
  if (!options.target) {
    const branch = settled(target);
    if (!branch) throw new PlError('NO_TARGET', 'HEAD is detached, so there is no branch to land on. Check out a branch or pass --target <branch>.');
    options.target = branch;
  }
  await resolveRunTarget(repo, options);
}

function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
