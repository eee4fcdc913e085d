import type { Argv } from 'yargs';
import type { RunOptions } from '../../config/options.js';
import { adapterNames } from '../../agents/registry.js';

/** Command-line options of `run`; each maps to a RunOptions field (config file keys have the same names). */
export interface RunArgs {
  agents?: number;
  once?: boolean;
  single?: boolean;
  inPlace?: boolean;
  agent?: string;
  timeout?: number;
  maxAttempts?: number;
  target?: string;
  land?: 'merge' | 'branch' | 'none';
  landStyle?: 'merge' | 'squash';
  dirtyTarget?: 'hold' | 'land-ref';
  setup?: string;
  copy?: string[];
  verify?: string;
  cleanup?: boolean;
  budgetUsd?: number;
  memoryLimitMb?: number;
  pauseCpuPercent?: number;
  pauseMemoryPercent?: number;
  stepDownMemoryPercent?: number;
  rateLimitPauseMs?: number;
  breakerFailures?: number;
  resourceSampleMs?: number;
  staleAfterMs?: number;
  heartbeatMs?: number;
  rescanMs?: number;
  monitorMs?: number;
  killGraceMs?: number;
  retryBackoffMs?: number;
}

export function runOptionsBuilder<T>(y: Argv<T>): Argv<T & RunArgs> {
  return y
    .option('agents', { alias: 'n', type: 'number', describe: 'Worker processes [default 3]' })
    .option('once', { type: 'boolean', describe: 'Drain the queue, then exit (0 if every task landed, 1 if any failed)' })
    .option('single', { type: 'boolean', describe: 'One agent in this process, no fork' })
    .option('in-place', { type: 'boolean', describe: 'No worktrees: work and commit in the current checkout (implies --single)' })
    .option('agent', { type: 'string', describe: `Adapter for tasks that name none: ${adapterNames.join(', ')} [default claude]` })
    .option('timeout', { type: 'number', describe: 'Seconds an attempt may run before its process tree is killed [default 1800]' })
    .option('max-attempts', { type: 'number', describe: 'Attempts per task before it goes to failed/ [default 3]' })
    .option('target', { type: 'string', describe: 'Branch to land on [default: the branch checked out]' })
    .option('land', { choices: ['merge', 'branch', 'none'] as const, describe: 'merge onto the target, or keep each branch for your own review [default merge]' })
    .option('land-style', { choices: ['merge', 'squash'] as const, describe: 'merge: a merge commit per task; squash: one commit per task with its title as subject [default merge]' })
    .option('dirty-target', { choices: ['hold', 'land-ref'] as const, describe: 'Target checked out with uncommitted changes: hold tasks, or move the ref only [default hold]' })
    .option('setup', { type: 'string', describe: 'Command run in each new worktree, e.g. "npm ci"' })
    .option('copy', { type: 'string', array: true, describe: 'Untracked files copied into each worktree, e.g. .env (also read from .worktreeinclude)' })
    .option('verify', { type: 'string', describe: 'Command that must pass on the merged result before it lands' })
    .option('cleanup', { type: 'boolean', describe: 'Remove the worktree and branch of a landed attempt [default true]' })
    .option('budget-usd', { type: 'number', describe: 'Stop starting attempts once this much has been spent' })
    .option('memory-limit-mb', { type: 'number', describe: "Kill an agent whose process tree uses more memory than this; the attempt fails" })
    .option('breaker-failures', { type: 'number', describe: 'Stop the run (exit 4, tasks kept queued) once attempts of this many tasks fail the same way before doing any work [default 3]' })
    .option('pause-cpu-percent', { type: 'number', hidden: true })
    .option('pause-memory-percent', { type: 'number', hidden: true })
    .option('step-down-memory-percent', { type: 'number', hidden: true })
    .option('rate-limit-pause-ms', { type: 'number', hidden: true })
    .option('resource-sample-ms', { type: 'number', hidden: true })
    .option('stale-after-ms', { type: 'number', hidden: true })
    .option('heartbeat-ms', { type: 'number', hidden: true })
    .option('rescan-ms', { type: 'number', hidden: true })
    .option('monitor-ms', { type: 'number', hidden: true })
    .option('kill-grace-ms', { type: 'number', hidden: true })
    .option('retry-backoff-ms', { type: 'number', hidden: true }) as unknown as Argv<T & RunArgs>;
}

/** The RunOptions the command line sets (only those given). */
export function cliRunOptions(argv: RunArgs): Partial<RunOptions> {
  const map: Partial<RunOptions> = {
    agents: argv.agents,
    once: argv.once,
    single: argv.single,
    inPlace: argv.inPlace,
    agent: argv.agent,
    timeoutSec: argv.timeout,
    maxAttempts: argv.maxAttempts,
    target: argv.target,
    land: argv.land,
    landStyle: argv.landStyle,
    dirtyTarget: argv.dirtyTarget,
    setup: argv.setup,
    copy: argv.copy,
    verify: argv.verify,
    cleanup: argv.cleanup,
    budgetUsd: argv.budgetUsd,
    memoryLimitMb: argv.memoryLimitMb,
    pauseCpuPercent: argv.pauseCpuPercent,
    pauseMemoryPercent: argv.pauseMemoryPercent,
    stepDownMemoryPercent: argv.stepDownMemoryPercent,
    rateLimitPauseMs: argv.rateLimitPauseMs,
    breakerFailures: argv.breakerFailures,
    resourceSampleMs: argv.resourceSampleMs,
    staleAfterMs: argv.staleAfterMs,
    heartbeatMs: argv.heartbeatMs,
    rescanMs: argv.rescanMs,
    monitorMs: argv.monitorMs,
    killGraceMs: argv.killGraceMs,
    retryBackoffMs: argv.retryBackoffMs,
  };
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== undefined)) as Partial<RunOptions>;
}
