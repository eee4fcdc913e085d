import { adapterNames } from '../agents/registry.js';
import type { RunOptions } from './options.js';
import * as k from './option-kinds.js';
import { notifyProblem } from '../notify/check-settings.js';
import type { Kind } from './option-kinds.js';
import { rolesProblem } from '../lifecycle/roles.js';
import { DEFAULT_STAGES, stagesProblem } from '../lifecycle/stages.js';
import { changelogPathProblem } from '../merge/changelog.js';
import { hostIdProblem } from '../queue/agent-id.js';
import { prCommandProblem } from '../merge/pr-command.js';
import { STAGE_TIMEOUT_SEC } from '../lifecycle/policy.js';

/** Ignored dependency folders a warm worktree keeps by default. */
export const DEFAULT_KEEP = ['node_modules', '.venv', 'target'] as const;

/** Lock files whose change makes a warm worktree run `setup` again, by default. */
export const DEFAULT_SETUP_WHEN = [
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb',
  'requirements.txt', 'poetry.lock', 'uv.lock', 'Pipfile.lock', 'Cargo.lock', 'go.sum', 'Gemfile.lock', 'composer.lock',
] as const;

// A kept folder is a relative path inside the worktree, never the repository's own metadata.
function keepProblem(value: unknown): string | undefined {
  const bad = (value as string[]).find((p) => {
    const parts = p.replace(/^\/+|\/+$/g, '').split('/');
    return parts.some((part) => part === '' || part === '.' || part === '..') || parts[0] === '.git';
  });
  return bad === undefined ? undefined : `\`${bad}\` is not a folder inside the worktree`;
}

/** One run option: how it is checked, its default, and how the command line offers it. */
export interface OptionSpec<T> {
  kind: Kind;
  /** Absent for options that are unset unless given. */
  default?: T;
  /** The `run` flag; default: the name in kebab-case. `false`: only in the config file. */
  flag?: string | false;
  alias?: string;
  /** Help line of the flag; without one the flag is hidden from `--help`. */
  help?: string;
}

/**
 * Every run option, once. Defaults, the config file check, the command-line check and the `run` flags
 * all come from here; the meaning of each field is documented on RunOptions. A new option is a field
 * there and a row here (the compiler asks for both).
 */
export const OPTION_TABLE: { [K in keyof RunOptions]-?: OptionSpec<RunOptions[K]> } = {
  agents: { kind: k.positiveInteger, default: 3, alias: 'n', help: 'Worker processes' },
  hostId: {
    kind: k.checked('a name of letters, digits, dots, dashes and underscores (not agent-<n>, not ending in .<n>)', hostIdProblem, k.text),
    help: 'Name of this host when several share the queue and state folder: its agents are <host-id>/agent-N',
  },
  once: { kind: k.boolean, default: false, help: 'Drain the queue, then exit (0 if every task landed, 1 if any failed)' },
  single: { kind: k.boolean, default: false, help: 'One agent in this process, no fork' },
  inPlace: { kind: k.boolean, default: false, help: 'No worktrees: work and commit in the current checkout (implies --single)' },
  agent: { kind: k.oneOf(() => adapterNames), default: 'claude', help: 'Adapter for tasks that name none' },
  agentSettings: { kind: k.object, default: {}, flag: false },
  timeoutSec: { kind: k.positiveNumber, default: 1800, flag: 'timeout', help: 'Seconds an attempt may run before its process tree is killed' },
  stageTimeoutSec: { kind: k.positiveNumber, default: STAGE_TIMEOUT_SEC, flag: 'stage-timeout', help: 'Seconds a pipeline stage may run unless its role or task sets a timeout; --timeout when only that is given' },
  maxAttempts: { kind: k.positiveInteger, default: 3, help: 'Attempts per task before it goes to failed/' },
  killGraceMs: { kind: k.nonNegativeInteger, default: 5000 },
  retryBackoffMs: { kind: k.nonNegativeInteger, default: 2000 },
  heartbeatMs: { kind: k.period, default: 5000 },
  staleAfterMs: { kind: k.period, default: 30_000 },
  rescanMs: { kind: k.period, default: 2000 },
  monitorMs: { kind: k.period, default: 2000 },
  restartBackoffMs: { kind: k.nonNegativeInteger, default: 1000 },
  restartBackoffMaxMs: { kind: k.nonNegativeInteger, default: 30_000 },
  maxRestarts: { kind: k.positiveInteger, default: 5 },
  restartWindowMs: { kind: k.period, default: 60_000 },
  setup: { kind: k.text, help: 'Command that sets up a worktree, e.g. "npm ci": in each new one, and in a warm one when it or a --setup-when file changed' },
  // The flag is --worktree-mode: --worktrees names the folder a host keeps its worktrees in (see queue-args.ts).
  worktrees: { kind: k.oneOf(() => ['warm', 'fresh']), default: 'warm', flag: 'worktree-mode', help: 'warm: each agent keeps its worktree between tasks (cleaned, --keep folders kept); fresh: a new worktree per attempt' },
  keep: { kind: k.checked('an array of folder names or paths inside the worktree, e.g. node_modules', keepProblem, k.texts), default: [...DEFAULT_KEEP], help: 'Ignored folders a warm worktree keeps between tasks' },
  setupWhen: { kind: k.checked('an array of git pathspecs, e.g. package-lock.json', (v) => ((v as string[]).some((p) => p.trim() === '') ? 'empty' : undefined), k.texts), default: [...DEFAULT_SETUP_WHEN], help: 'Files whose change makes a warm worktree run setup again' },
  preflight: { kind: k.texts, default: [], help: 'Command that must pass before any agent starts and before each claim (claiming waits until it does), e.g. "curl -sf localhost:6333/readyz"' },
  preflightTimeoutMs: { kind: k.positiveInteger, default: 30_000 },
  copy: { kind: k.texts, default: [], help: 'Untracked files copied into each worktree, e.g. .env (also read from .worktreeinclude)' },
  portBase: { kind: k.positiveInteger, default: 20_000 },
  portBlock: { kind: k.positiveInteger, default: 10 },
  target: { kind: k.text, help: 'Branch to land on, or <remote>/<branch> (origin/main) to land on a remote [default: the branch checked out]' },
  remote: { kind: k.text, help: 'Remote whose branch the target is: fetch its tip, push each landing with a lease [default: none; origin with --land pr]' },
  land: { kind: k.oneOf(() => ['merge', 'branch', 'none', 'pr']), default: 'merge', help: 'merge onto the target, keep each branch for your own review, or pr: push pl/<id> and open a pull request' },
  prCommand: { kind: k.checked('a non-empty array of strings, e.g. ["gh", "pr", "create", "--head", "<branch>", "--title", "<title>", "--body-file", "<body-file>"]', prCommandProblem, k.texts), flag: false },
  prTimeoutMs: { kind: k.positiveInteger, default: 120_000 },
  landStyle: { kind: k.oneOf(() => ['merge', 'squash']), default: 'merge', help: 'With --land merge: a merge commit per task, or squash: one commit per task (title, prompt, trailers)' },
  dirtyTarget: { kind: k.oneOf(() => ['hold', 'land-ref']), default: 'hold', help: 'Target checked out with uncommitted changes: hold tasks, or move the ref only' },
  cleanup: { kind: k.boolean, default: true, help: 'Remove the worktree and branch of a landed attempt' },
  verify: { kind: k.text, help: 'Command that must pass on the merged result before it lands' },
  batchSize: { kind: k.positiveInteger, default: 8, help: 'With --verify: land up to this many ready tasks together with one verify run (1: one at a time)' },
  batchWaitMs: { kind: k.nonNegativeInteger, default: 2000, help: 'How long the lander waits for a batch to fill while other tasks are still being worked on' },
  verifyOnMove: { kind: k.oneOf(() => ['touched', 'always']), default: 'touched', help: 'Target moved while a batch was verified: verify again only if it changed files the batch touches, or always' },
  changelog: { kind: k.checked('a path inside the repository, e.g. CHANGELOG.md', changelogPathProblem, k.text), help: 'File the lander adds each task\'s entry to, under ## Unreleased (agents leave it alone)' },
  stages: { kind: k.checked('a list of stages beginning with implement, in the order implement, review, test', stagesProblem, k.texts), default: [...DEFAULT_STAGES], flag: false },
  roles: { kind: k.fields('an object keyed by role (implement, review, test)', rolesProblem), default: {}, flag: false },
  test: { kind: k.text, flag: false },
  budgetUsd: { kind: k.positiveNumber, help: 'Stop starting attempts once this much has been spent' },
  memoryLimitMb: { kind: k.positiveNumber, help: 'Kill an agent whose process tree uses more memory than this; the attempt fails' },
  resourceSampleMs: { kind: k.period, default: 2000 },
  pauseCpuPercent: { kind: k.percent, default: 80 },
  pauseMemoryPercent: { kind: k.percent, default: 80 },
  stepDownMemoryPercent: { kind: k.percent, default: 90 },
  cpuWindowMs: { kind: k.period, default: 30_000 },
  rateLimitPauseMs: { kind: k.nonNegativeInteger, default: 5 * 60_000 },
  breakerFailures: { kind: k.positiveInteger, default: 3, help: 'Attempts failing the same way before doing any work (a broken agent set-up) that stop the run, tasks kept queued' },
  starveAfterMs: { kind: k.nonNegativeInteger, default: 10 * 60_000 },
  notify: { kind: k.fields('an object with on, commands, webhooks, timeoutMs', notifyProblem), flag: false },
  notifyDesktop: { kind: k.boolean, default: false, help: 'Also show each notification on the desktop with notify-send, when it is installed' },
};

export type OptionName = keyof RunOptions;

export const OPTION_NAMES = Object.keys(OPTION_TABLE) as OptionName[];

export function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTION_TABLE, name);
}

/** The `run` flag of an option, without dashes, or undefined when it has none. */
export function flagOf(name: OptionName): string | undefined {
  const { flag } = OPTION_TABLE[name];
  if (flag === false) return undefined;
  return flag ?? name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
