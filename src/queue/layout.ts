import { createHash } from 'node:crypto';
import path from 'node:path';

/** The states a task file can be in; each is a folder, and a task moves between them by rename. */
export const STATES = ['inbox', 'running', 'done', 'failed', 'rejected'] as const;
export type TaskState = (typeof STATES)[number];

/** Every path the tool reads or writes, derived from the repository root and two optional overrides. */
export interface Layout {
  /** The repository whose queue this is. */
  repo: string;
  /** The inbox: people and programs drop task files here. */
  queue: string;
  /** The state root (git-ignored): claims, agents, ids, worktrees, events. */
  state: string;
  claims: string;
  agents: string;
  ids: string;
  /** One worktree per attempt: local to this clone, even when the state folder is shared by several hosts. */
  worktrees: string;
  /** Locks around git operations on this clone (worktree add/remove/prune): beside the worktrees, as they are per clone. */
  locks: string;
  /** Locks every host on the queue shares (the claim of a task with `touches`): in the state folder, whoever's the worktrees are. */
  sharedLocks: string;
  /** The landers' verify worktrees (`<folder>/<agent>`): this clone's too, so beside the other worktrees when those are elsewhere. */
  verify: string;
  tmp: string;
  events: string;
  statusJson: string;
  board: string;
  /** The landing queue's markers: an empty `<id>` per task released ready to land (worker/lander.ts reads it). */
  landing: string;
  ledger: string;
  /** The circuit breaker for a broken agent environment, shared by every worker. */
  breaker: string;
  /** Per host: a remote that refused the credentials, which stops landing and claiming until the next run (governance/landing-stop.ts). */
  landingStop: string;
  /** `land: pr`: one record per task (`<id>.json`: the branch pushed, the pull request's URL) and its body file. */
  prs: string;
  /** `{ url }` of the dashboard while one serves; notifications link to it. */
  dashboard: string;
  /** The dashboard's token (mode 0600), kept so a restarted dashboard accepts the pages already open. */
  dashboardToken: string;
  config: string;
}

export interface LayoutOptions {
  /** Queue folder. Default `<repo>/queue`. */
  queue?: string;
  /** State folder. Default `<repo>/.parallel-loop`. */
  state?: string;
  /**
   * Worktrees folder. Default `<state>/worktrees`; when the state folder is outside the repository (one
   * folder shared by several hosts, say), `<repo>/.parallel-loop/worktrees`, so worktrees stay on the clone's disk.
   */
  worktrees?: string;
}

/** The folder name of the default state folder, inside the repository. */
const DEFAULT_STATE = '.parallel-loop';

export function layoutFor(repo: string, options: LayoutOptions = {}): Layout {
  const root = path.resolve(repo);
  const queue = path.resolve(root, options.queue ?? 'queue');
  const state = path.resolve(root, options.state ?? DEFAULT_STATE);
  const worktrees = options.worktrees ? path.resolve(root, options.worktrees) : path.join(isInside(state, root) ? state : path.join(root, DEFAULT_STATE), 'worktrees');
  const underState = path.dirname(worktrees) === state;
  return {
    repo: root,
    queue,
    state,
    claims: path.join(state, 'claims'),
    agents: path.join(state, 'agents'),
    ids: path.join(state, 'ids'),
    worktrees,
    // Under the state folder as before when the worktrees are there; else beside the worktrees, as a
    // lock in a shared state folder would make every host wait on every other host's git.
    locks: underState ? path.join(state, 'locks') : path.join(worktrees, '.locks'),
    sharedLocks: path.join(state, 'locks'),
    verify: underState ? path.join(state, 'verify') : path.join(worktrees, '.verify'),
    tmp: path.join(state, 'tmp'),
    events: path.join(state, 'events.jsonl'),
    statusJson: path.join(state, 'status.json'),
    board: path.join(state, 'board.md'),
    landing: path.join(state, 'landing'),
    ledger: path.join(state, 'ledger'),
    breaker: path.join(state, 'breaker.json'),
    landingStop: path.join(state, 'landing-stop.json'),
    prs: path.join(state, 'prs'),
    dashboard: path.join(state, 'dashboard.json'),
    dashboardToken: path.join(state, 'dashboard-token'),
    config: path.join(root, '.parallel-loop.json'),
  };
}

/** Whether `dir` is `root` or inside it. */
export function isInside(dir: string, root: string): boolean {
  const rel = path.relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The folder of a state: the inbox is the queue folder itself, the others are inside it. */
export function stateDir(layout: Layout, state: TaskState): string {
  return state === 'inbox' ? layout.queue : path.join(layout.queue, state);
}

/** The worktree of one attempt, and its branch. */
export function attemptWorktree(layout: Layout, taskId: string, gen: number): string {
  return path.join(layout.worktrees, `${taskId}.${gen}`);
}

/** Where one agent's lander verifies batches: a detached worktree of its own, kept between batches. */
export function verifyWorktree(layout: Layout, agentId: string): string {
  return path.join(layout.verify, agentId);
}

/**
 * The warm worktree of an agent slot (`worktrees: warm`): kept between tasks, switched to each new attempt's
 * branch. Named after the agent, so it never looks like an attempt's `<id>.<gen>` folder.
 */
export function slotWorktree(layout: Layout, agentId: string): string {
  return path.join(layout.worktrees, agentId);
}

/** What an agent slot's warm worktree holds (the last attempt given it, when it was set up): `agents/<agent>/worktree.json`. */
export function slotRecordFile(layout: Layout, agentId: string): string {
  return path.join(agentDir(layout, agentId), 'worktree.json');
}

/** Branch of one attempt: `pl/<id>/<gen>`, with the id made safe for a git ref when it needs to be. */
export function attemptBranch(taskId: string, gen: number): string {
  return `pl/${refSafeId(taskId)}/${gen}`;
}

/** The generation an attempt branch's name ends in (`pl/<id>/<gen>`): whose worktree it was made with. */
export function attemptBranchGen(branch: string): number | undefined {
  const m = /^pl\/.+\/(\d+)$/.exec(branch);
  return m ? Number(m[1]) : undefined;
}

/**
 * Task ids may hold spaces and other characters git refuses in a ref name; such ids get the
 * unsafe characters replaced and a short hash of the real id appended, so two ids never share a branch.
 */
export function refSafeId(taskId: string): string {
  const safe = taskId.replace(/[^A-Za-z0-9._-]/g, '-').replace(/\.\.+/g, '.').replace(/\.lock$/i, '-lock').replace(/[.]$/, '-');
  if (safe === taskId) return taskId;
  return `${safe}-${createHash('sha1').update(taskId).digest('hex').slice(0, 8)}`;
}

/**
 * The last pass of the `preflight` commands (governance/preflight-commands.ts), shared by the workers of
 * one host: `preflight.json`, or `preflight.<hostId>.json` on a host that names itself, as the services
 * the commands check (`localhost:6333`) are each host's own, and a pass's age is read on its writer's clock.
 */
export function preflightFile(layout: Layout, hostId?: string): string {
  return path.join(layout.state, hostId ? `preflight.${hostId}.json` : 'preflight.json');
}

/** The folder of one agent: heartbeat.json, leases/, logs/. */
export function agentDir(layout: Layout, agentId: string): string {
  return path.join(layout.agents, agentId);
}
