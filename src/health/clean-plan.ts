/** What `parallel-loop clean` may remove, decided from a snapshot of the queue and the repository. Pure. */

/** Where a task stands: its file's state folder, or `waiting` (claimed before, not finished: in the inbox). */
export type TaskStanding = 'done' | 'failed' | 'running' | 'waiting' | 'unknown';

export interface TaskFacts {
  id: string;
  standing: TaskStanding;
  /** The generation holding the live claim, if any. */
  live?: number;
  /** Branches the task's next attempt starts from or lands (resume branch, held landing). */
  needed: string[];
  /** When its last generation was released (ms since the epoch); undefined when none was. */
  lastReleaseMs?: number;
  hasClaims: boolean;
}

export interface AttemptFacts {
  task: string;
  gen: number;
  /** The attempt's folder under the worktrees folder, if it exists; `registered` when git knows it as a worktree. */
  worktree?: { path: string; registered: boolean; dirty: boolean; empty: boolean };
  /** The attempt's branch, if it exists; `merged` when the target contains its tip. */
  branch?: { name: string; merged: boolean };
}

/** An agent slot's warm worktree (`worktrees: warm`), `<state>/worktrees/<agent>`. */
export interface SlotWorktreeFacts {
  agent: string;
  path: string;
  /** Known to git as a worktree; `dirty`: it has uncommitted changes to tracked files; `empty`: an empty folder. */
  registered: boolean;
  dirty: boolean;
  empty: boolean;
  /** The branch checked out in it (short name); none when detached, as it is after a landing. */
  branch?: string;
  /** A run holds the slot (its supervisor or its worker lives), and may switch the worktree at any moment. */
  held: boolean;
}

export type CleanKind = 'worktree' | 'folder' | 'branch' | 'claims';

export interface CleanItem {
  kind: CleanKind;
  name: string;
  /** The task the item belongs to; for a slot's worktree, the task whose branch it holds ('' when none). */
  task: string;
  /** The agent slot, for a slot's warm worktree. */
  agent?: string;
  reason: string;
}

export interface CleanPlan {
  remove: CleanItem[];
  keep: CleanItem[];
}

export interface CleanPolicy {
  target: string;
  nowMs: number;
  /** Claim folders of finished tasks released longer ago than this are removed. */
  olderThanMs: number;
  /** Delete unmerged branches and dirty or foreign folders too. */
  force: boolean;
}

const FINISHED: ReadonlySet<TaskStanding> = new Set(['done', 'failed', 'unknown']);

function whyFinished(task: TaskFacts, gen: number): string {
  if (task.standing === 'unknown') return `no file of task ${task.id} is in running/, done/ or failed/`;
  if (FINISHED.has(task.standing)) return `task ${task.id} is ${task.standing}`;
  return `generation ${gen} of task ${task.id} is over; the task is ${task.standing}`;
}

/**
 * Decide, for every attempt folder and branch, every slot's warm worktree and every finished task's claim
 * history, remove or keep, and why. A slot's worktree goes when no run holds the slot: it is a cache, made
 * again (and set up again) by the slot's next task.
 */
export function planClean(tasks: Map<string, TaskFacts>, attempts: AttemptFacts[], policy: CleanPolicy, slots: SlotWorktreeFacts[] = []): CleanPlan {
  const plan: CleanPlan = { remove: [], keep: [] };
  const put = (remove: boolean, item: CleanItem) => (remove ? plan.remove : plan.keep).push(item);
  const keptBranches = new Set<string>();
  // A branch checked out in a kept worktree cannot be deleted (git refuses), and is not ours to take from it.
  const checkedOut = new Map<string, string>();
  for (const slot of slots) {
    const holder = slot.branch ? attempts.find((a) => a.branch?.name === slot.branch) : undefined;
    const running = holder && tasks.get(holder.task)?.live === holder.gen ? `task ${holder.task} is running in it: generation ${holder.gen} holds the live claim` : undefined;
    const blocker = !slot.registered && !slot.empty ? 'it is not a git worktree and is not empty; look inside, then remove it by hand or pass --force' : slot.dirty ? 'it has uncommitted changes to tracked files; pass --force to remove it anyway' : undefined;
    const keep = slot.held ? `${slot.agent}'s warm worktree; a run holds the slot` : (running ?? (policy.force ? undefined : blocker));
    put(keep === undefined, { task: holder?.task ?? '', agent: slot.agent, kind: slot.registered ? 'worktree' : 'folder', name: slot.path, reason: keep ?? `${slot.agent}'s warm worktree; no run holds the slot` });
    if (keep && slot.branch) checkedOut.set(slot.branch, `it is checked out in ${slot.agent}'s warm worktree, which is kept`);
  }
  for (const attempt of attempts) {
    const task = tasks.get(attempt.task) ?? { id: attempt.task, standing: 'unknown' as const, needed: [], hasClaims: false };
    const { worktree, branch } = attempt;
    const base = { task: task.id };
    if (task.live === attempt.gen) {
      const reason = `task ${task.id} is running: generation ${attempt.gen} holds the live claim`;
      if (worktree) put(false, { ...base, kind: worktree.registered ? 'worktree' : 'folder', name: worktree.path, reason });
      if (branch) put(false, { ...base, kind: 'branch', name: branch.name, reason });
      if (branch) keptBranches.add(branch.name);
      continue;
    }
    const over = whyFinished(task, attempt.gen);
    let worktreeKept = false;
    if (worktree) {
      const blocker = !worktree.registered && !worktree.empty ? 'it is not a git worktree and is not empty; look inside, then remove it by hand or pass --force' : worktree.dirty ? 'it has uncommitted changes to tracked files; pass --force to remove it anyway' : undefined;
      worktreeKept = blocker !== undefined && !policy.force;
      put(!worktreeKept, { ...base, kind: worktree.registered ? 'worktree' : 'folder', name: worktree.path, reason: worktreeKept ? blocker! : over });
    }
    if (!branch) continue;
    const keepBecause = worktreeKept
      ? 'its worktree is kept'
      : checkedOut.has(branch.name)
        ? checkedOut.get(branch.name)
        : !FINISHED.has(task.standing) && task.needed.includes(branch.name)
        ? `task ${task.id} is ${task.standing}; its next attempt starts from this branch`
        : !branch.merged && !policy.force
          ? `it has commits that ${policy.target} does not contain; pass --force to delete it`
          : undefined;
    if (keepBecause) keptBranches.add(branch.name);
    put(keepBecause === undefined, { ...base, kind: 'branch', name: branch.name, reason: keepBecause ?? (branch.merged ? `${over}; merged into ${policy.target}` : `${over}; unmerged, deleted with --force`) });
  }
  for (const task of tasks.values()) {
    if (!task.hasClaims) continue;
    const reason = claimsKeepReason(task, attempts, keptBranches, policy);
    put(reason === undefined, { task: task.id, kind: 'claims', name: task.id, reason: reason ?? `task ${task.id} is ${task.standing}, last released ${ago(policy.nowMs - task.lastReleaseMs!)}` });
  }
  return plan;
}

function claimsKeepReason(task: TaskFacts, attempts: AttemptFacts[], keptBranches: Set<string>, policy: CleanPolicy): string | undefined {
  if (task.live !== undefined) return `task ${task.id} is running: generation ${task.live} holds the live claim`;
  if (task.standing === 'waiting' || task.standing === 'running') return `task ${task.id} is ${task.standing}`;
  if (task.standing === 'unknown') return `no file of task ${task.id} is in done/ or failed/`;
  // Without the history, the next claim would start again at generation 1 and meet the kept branch's name.
  const kept = attempts.find((a) => a.task === task.id && a.branch && keptBranches.has(a.branch.name));
  if (kept) return `its branch ${kept.branch!.name} is kept, and this history explains it`;
  if (task.lastReleaseMs === undefined || policy.nowMs - task.lastReleaseMs < policy.olderThanMs) {
    return `released ${task.lastReleaseMs === undefined ? 'never' : ago(policy.nowMs - task.lastReleaseMs)}, within --older-than ${ago(policy.olderThanMs, false)}`;
  }
  return undefined;
}

/** `3d ago`, `5h ago`, `12m ago`, `40s ago`. */
export function ago(ms: number, suffix = true): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const text = s >= 86_400 ? `${Math.floor(s / 86_400)}d` : s >= 3600 ? `${Math.floor(s / 3600)}h` : s >= 60 ? `${Math.floor(s / 60)}m` : `${s}s`;
  return suffix ? `${text} ago` : text;
}
