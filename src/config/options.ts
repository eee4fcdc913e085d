import type { AgentSettings } from '../agents/types.js';
import type { LandStyle } from '../merge/land.js';
import type { NotifySettings } from '../notify/kinds.js';
import type { AgentStage } from '../lifecycle/stages.js';
import type { RoleSettings } from '../lifecycle/roles.js';
import { OPTION_NAMES, OPTION_TABLE } from './option-table.js';

/** How a finished attempt reaches the target branch: merged on it, kept as a branch, or pushed to the remote as a pull request. */
export type LandMode = 'merge' | 'branch' | 'none' | 'pr';

/**
 * Everything a run can be told. Every interval and limit is here, so tests run real processes with
 * short timings. Kinds and defaults in OPTION_TABLE; the config file (.parallel-loop.json) and the command line
 * override them in that order.
 */
export interface RunOptions {
  /** Worker processes. Default 3. */
  agents: number;
  /**
   * This host's name among several that share one queue and state folder: its agents are
   * `<hostId>/agent-N` (`agents/<hostId>/agent-N/`, slots in `slots/<hostId>/agent-N/`), numbered from 1
   * on each host, so a host that comes back takes its own slots again. Default: none, agents are
   * `agent-N` numbered across every supervisor of the state folder.
   */
  hostId?: string;
  /** Drain the queue and exit instead of waiting for more tasks. Default false. */
  once: boolean;
  /** Run the worker loop in this process, no fork. Default false. */
  single: boolean;
  /** Work in the current checkout instead of worktrees (implies single). Default false. */
  inPlace: boolean;
  /** Adapter for tasks that do not name one. Default `claude`. */
  agent: string;
  /** Per-adapter settings, keyed by adapter name. */
  agentSettings: Record<string, AgentSettings>;
  /** Seconds an attempt may run. Default 1800. */
  timeoutSec: number;
  /**
   * Seconds a pipeline stage may run when neither its role's `timeout` nor its task's names one. Default
   * 900, or `timeoutSec` when the config file or the command line sets that and not this.
   */
  stageTimeoutSec: number;
  /** Attempts per task, across retries and reclaims. Default 3. */
  maxAttempts: number;
  /** Grace between SIGTERM and SIGKILL when stopping an agent's process tree. Default 5000 ms. */
  killGraceMs: number;
  /** First retry delay; doubles per attempt. Default 2000 ms. */
  retryBackoffMs: number;
  /** Heartbeat period. Default staleAfterMs / 6. */
  heartbeatMs: number;
  /** A heartbeat unchanged this long (observer's clock) makes a claim stale. Default 30000 ms. */
  staleAfterMs: number;
  /** Full inbox rescan period; the watcher only wakes workers early. Default 2000 ms. */
  rescanMs: number;
  /** Health monitor pass period. Default 2000 ms. */
  monitorMs: number;
  /** Worker restart back-off start and cap. Defaults 1000 / 30000 ms. */
  restartBackoffMs: number;
  restartBackoffMaxMs: number;
  /** More than this many worker restarts within restartWindowMs marks the slot errored. Defaults 5 / 60000 ms. */
  maxRestarts: number;
  restartWindowMs: number;
  /**
   * Command run to set up a worktree (e.g. `npm ci`): in each new one, and with `worktrees: warm` again only
   * when the command or a `setupWhen` file changed since the slot's worktree last ran it, or a kept folder it
   * made is gone.
   */
  setup?: string;
  /**
   * `warm`: each agent slot keeps one worktree (`<state>/worktrees/<agent>`) between tasks and switches it to
   * each new attempt's branch at its base, with what the last task left cleaned away except the `keep`
   * folders. `fresh`: a new worktree per attempt (`<state>/worktrees/<id>.<gen>`), removed once it landed.
   * Default `warm`.
   */
  worktrees: 'warm' | 'fresh';
  /**
   * Ignored folders a warm worktree keeps from one task to the next, where they exist: a name matches at any
   * depth, a path with a slash from the top. Everything else untracked or ignored goes. Default
   * `[node_modules, .venv, target]`.
   */
  keep: string[];
  /**
   * Files whose content decides, with the `setup` command itself, whether a warm worktree runs `setup` again
   * (git pathspecs, e.g. `package-lock.json`, `*\/requirements.txt`), as the attempt's base commit has them.
   * Default: the usual lock files (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock,
   * bun.lockb, requirements.txt, poetry.lock, uv.lock, Pipfile.lock, Cargo.lock, go.sum, Gemfile.lock, composer.lock).
   */
  setupWhen: string[];
  /**
   * Shell lines that must pass (exit 0) before any agent starts and before each claim, e.g.
   * `curl -sf localhost:6333/readyz`: a failing one pauses claiming, its output in the status, until it
   * passes. Run from the top of the repository, at most once per `rescanMs` for all workers. Default none.
   */
  preflight: string[];
  /** Milliseconds a preflight command may run before its process tree is killed (and it counts as failed). Default 30000. */
  preflightTimeoutMs: number;
  /** Untracked files or globs copied from the main checkout into each worktree (e.g. `.env`). */
  copy: string[];
  /** First port of the reserved ranges; each agent slot gets `portBlock` ports. Defaults 20000 / 10. */
  portBase: number;
  portBlock: number;
  /**
   * Branch work lands on. Default: the branch checked out where `run` started. `<remote>/<branch>` (e.g.
   * `origin/main`, where `origin` is one of `git remote`'s names) lands on that remote's branch.
   */
  target?: string;
  /**
   * The remote whose branch `target` is: every attempt starts from its fetched tip, and a landing is pushed
   * to it with a lease on the tip it was merged onto (never a plain force). Default none (a local branch);
   * `land: pr` defaults it to `origin`.
   */
  remote?: string;
  /** `merge` (default), `branch` or `none` (keep the branch), or `pr`: push `pl/<id>` to the remote and open a pull request with `prCommand`. */
  land: LandMode;
  /**
   * With `land: pr`, the command that opens a pull request, as an argument array (never a shell line); `<branch>`,
   * `<base>`, `<title>` and `<body-file>` in its arguments are filled in, and the URL it prints is kept. Default
   * `gh pr create --head <branch> --base <base> --title <title> --body-file <body-file>` when `gh` is on PATH.
   */
  prCommand?: string[];
  /** Milliseconds `prCommand` may run before its process tree is killed (the landing then waits and is tried again). Default 120000. */
  prTimeoutMs: number;
  /** With `land: merge`, how each task reaches the target: a merge commit of its branch, or `squash`: one commit (title, first paragraph of the prompt, trailers) with the target tip as only parent. Default `merge`. */
  landStyle: LandStyle;
  /** When the target is checked out in a dirty worktree: hold the task, or move the ref anyway. Default hold. */
  dirtyTarget: 'hold' | 'land-ref';
  /** Remove an attempt's worktree and branch after it landed. Default true. */
  cleanup: boolean;
  /** Verify command for tasks that do not name one. */
  verify?: string;
  /**
   * With `verify` set: the lander takes up to this many tasks that wait to land (never two whose `touches`
   * overlap), merges them in order onto the target tip, verifies the combined result once and moves the
   * ref once; a failing batch is bisected. 1: every task lands alone, verified alone. Default 8.
   */
  batchSize: number;
  /**
   * The target moved while a batch was verified: `touched` verifies the batch again on the new tip only
   * when the new commits changed files the batch changed; `always` verifies again whatever they changed.
   * Default `touched`.
   */
  verifyOnMove: 'touched' | 'always';
  /**
   * While fewer than `batchSize` tasks are ready and others are still being worked on, the lander waits up
   * to this long for them before it verifies (a few seconds of latency for fewer verify runs, as merge
   * queues' minimum group size with a wait). 0: land what is ready at once. Default 2000 ms.
   */
  batchWaitMs: number;
  /**
   * Changelog the lander writes, as a path from the top of the repository (e.g. `CHANGELOG.md`): each landing
   * adds the task's `changelog:` line (or its title) under `## Unreleased` in the landing commit itself, so
   * parallel tasks never conflict on it. Agents are told not to edit it; a change a branch makes to it is
   * left out of the landing. Default none.
   */
  changelog?: string;
  /** Agent stages of tasks that name none; `land` always follows. Default `[implement]`. */
  stages: AgentStage[];
  /** Per-role settings (`roles.review.adapter`, …); a role without settings runs as the task's own adapter does. Default none. */
  roles: Partial<Record<AgentStage, RoleSettings>>;
  /** Test-stage command for tasks that name none; `{changed}` expands to the files the branch changes. */
  test?: string;
  /** Stop starting attempts when the recorded spending reaches this many US dollars. */
  budgetUsd?: number;
  /** Kill an agent's process tree once its resident memory passes this many MB; the attempt fails with that reason. Default: no limit. */
  memoryLimitMb?: number;
  /** How often a running agent's process tree is sampled for CPU and memory. Default 2000 ms. */
  resourceSampleMs: number;
  /** New claims pause once CPU used outside this run (machine CPU minus this run's processes) has stayed above this percent for cpuWindowMs. Default 80; 100 turns it off. */
  pauseCpuPercent: number;
  /** New claims pause while the machine's memory in use is above this percent. Default 80; 100 turns it off. */
  pauseMemoryPercent: number;
  /** Above this percent of memory in use the pool steps down to one agent (the lowest-numbered live slot). Default 90. */
  stepDownMemoryPercent: number;
  /** How long CPU used outside this run must stay above pauseCpuPercent before claims pause. Default 30000 ms. */
  cpuWindowMs: number;
  /** How long all claiming pauses after an agent reports a rate limit without saying when it resets. Default 300000 ms (5 minutes). */
  rateLimitPauseMs: number;
  /**
   * Attempts failing the same way before doing any work (agent missing, credentials refused, an unknown
   * flag) from this many different tasks, or this many times from one task, stop the run (exit 4); those
   * attempts do not count and their tasks stay queued. Default 3.
   */
  breakerFailures: number;
  /** A task held back by conflicting work this long is promoted: nothing overlapping it starts until it runs. Default 600000 ms (10 minutes). */
  starveAfterMs: number;
  /**
   * Tell people when work needs them: commands (argument arrays) to run and webhooks to POST to, for the
   * kinds chosen in `on` (default all). Each hook is bounded by `timeoutMs` (default 5000) and never retried;
   * a failing one is logged as `notify-failed` and the run goes on. Default: none.
   */
  notify?: NotifySettings;
  /** Also send each notification with `notify-send` when it is on PATH. Default false. */
  notifyDesktop: boolean;
}

/** Every option's default, from OPTION_TABLE. */
export const DEFAULTS: RunOptions = Object.fromEntries(
  OPTION_NAMES.filter((name) => OPTION_TABLE[name].default !== undefined).map((name) => [name, OPTION_TABLE[name].default]),
) as unknown as RunOptions;
