import fs from 'node:fs';
import path from 'node:path';
import { PlError } from '../errors.js';
import { git, runGit } from '../git/repo.js';
import { pruneWorktrees, removeAttemptWorktree } from '../git/worktree.js';
import { hasTrackedChanges, removeSlotWorktree } from '../git/slot-worktree.js';
import { canonicalPath, findWorktree, listWorktrees } from '../git/worktree-list.js';
import { Slots } from '../supervisor/slots.js';
import { isSlotName } from '../queue/agent-id.js';
import { attemptBranch, refSafeId } from '../queue/layout.js';
import type { QueueStore } from '../queue/store.js';
import { priorState } from '../worker/history.js';
import { cleanVerifyWorktrees } from './clean-verify.js';
import { planClean, type AttemptFacts, type CleanItem, type CleanPlan, type SlotWorktreeFacts, type TaskFacts } from './clean-plan.js';

export interface CleanOptions {
  /** Branch whose history decides whether an attempt branch is merged. */
  target: string;
  /** Claim folders of finished tasks released longer ago than this go. Default 7 days. */
  olderThanMs?: number;
  /** Delete unmerged branches, dirty worktrees and foreign folders too. Default false. */
  force?: boolean;
  /** Decide and report, change nothing. Default false. */
  dryRun?: boolean;
  now?: number;
}

export interface CleanReport {
  dryRun: boolean;
  target: string;
  olderThanMs: number;
  removed: CleanItem[];
  kept: CleanItem[];
}

const WEEK_MS = 7 * 86_400_000;

/**
 * Remove what finished attempts leave behind: worktrees and branches of tasks in done/ or failed/ and of
 * superseded generations, the warm worktrees of agent slots no run holds, stale worktree records (`git
 * worktree prune`), and the claim history of tasks finished longer ago than `olderThanMs`. Live claims, the branch a waiting task resumes from, and
 * branches the target does not contain (unless `force`) are kept, each with its reason.
 */
export async function clean(store: QueueStore, options: CleanOptions): Promise<CleanReport> {
  const { layout } = store;
  const dryRun = options.dryRun ?? false;
  if (!dryRun) await pruneWorktrees(layout.repo, layout);
  const tasks = readTasks(store);
  const attempts = await readAttempts(store, tasks, options.target);
  const slots = await readSlotWorktrees(store);
  const olderThanMs = options.olderThanMs ?? WEEK_MS;
  const plan = planClean(tasks, attempts, { target: options.target, nowMs: options.now ?? Date.now(), olderThanMs, force: options.force ?? false }, slots);
  const head = { dryRun, target: options.target, olderThanMs };
  const landers = await cleanVerifyWorktrees(store, dryRun);
  const done = dryRun ? { removed: plan.remove, kept: plan.keep } : await apply(store, plan, options);
  return { ...head, removed: [...done.removed, ...landers.removed], kept: [...done.kept, ...landers.kept] };
}

function readTasks(store: QueueStore): Map<string, TaskFacts> {
  const tasks = new Map<string, TaskFacts>();
  for (const id of store.claims.taskIds()) {
    const history = store.claims.history(id);
    const where = store.findById(id);
    const prior = priorState(history);
    const released = history.flatMap((h) => (h.release?.at ? [Date.parse(h.release.at)] : [])).filter(Number.isFinite);
    tasks.set(id, {
      id,
      standing: where?.state === 'done' || where?.state === 'failed' || where?.state === 'running' ? where.state : 'waiting',
      live: store.claims.snapshot(id).live,
      needed: [prior.resumeBranch, prior.pendingLanding?.branch].filter((b): b is string => b !== undefined),
      lastReleaseMs: released.length > 0 ? Math.max(...released) : undefined,
      hasClaims: true,
    });
  }
  return tasks;
}

/** Every attempt that left a folder under the worktrees folder or a `pl/<task>/<gen>` branch. */
async function readAttempts(store: QueueStore, tasks: Map<string, TaskFacts>, target: string): Promise<AttemptFacts[]> {
  const { layout } = store;
  const byKey = new Map<string, AttemptFacts>();
  const at = (task: string, gen: number) => {
    const key = `${task}\0${gen}`;
    if (!byKey.has(key)) byKey.set(key, { task, gen });
    return byKey.get(key)!;
  };
  const registered = new Set((await listWorktrees(layout.repo)).map((w) => canonicalPath(w.path)));
  for (const name of listDir(layout.worktrees)) {
    const m = /^(.+)\.(\d+)$/.exec(name);
    if (!m) continue;
    const dir = path.join(layout.worktrees, name);
    const isRegistered = registered.has(canonicalPath(dir));
    const dirty = isRegistered && (await git(dir, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no']).catch(() => '')) !== '';
    at(m[1]!, Number(m[2])).worktree = { path: path.relative(layout.repo, dir), registered: isRegistered, dirty, empty: listDir(dir).length === 0 };
  }
  // Branch names hold a ref-safe form of the id; known ids map back, others are taken as they are.
  const ids = new Map([...tasks.keys()].map((id) => [refSafeId(id), id]));
  const refs = await git(layout.repo, ['for-each-ref', '--format=%(refname:strip=2)', 'refs/heads/pl/']);
  for (const name of refs.split('\n').filter(Boolean)) {
    const m = /^pl\/(.+)\/(\d+)$/.exec(name);
    if (!m) continue;
    const task = ids.get(m[1]!) ?? m[1]!;
    if (attemptBranch(task, Number(m[2])) !== name) continue;
    const merged = (await runGit(layout.repo, ['merge-base', '--is-ancestor', `refs/heads/${name}`, `refs/heads/${target}`], { okCodes: [0, 1] })).exitCode === 0;
    at(task, Number(m[2])).branch = { name, merged };
  }
  return [...byKey.values()];
}

/**
 * Every agent slot's warm worktree folder (`<worktrees>/agent-<n>`, or `<worktrees>/<host-id>/agent-<n>` of a
 * host run with --host-id), with the facts `planClean` needs.
 */
async function readSlotWorktrees(store: QueueStore): Promise<SlotWorktreeFacts[]> {
  const { layout } = store;
  const names = slotWorktreeNames(layout.worktrees);
  if (names.length === 0) return [];
  const entries = await listWorktrees(layout.repo);
  const slots = new Slots(layout, 'clean');
  const facts: SlotWorktreeFacts[] = [];
  for (const agent of names) {
    const dir = path.join(layout.worktrees, agent);
    const entry = findWorktree(entries, dir);
    const registered = entry !== undefined && entry.prunable === undefined;
    const dirty = registered && (await hasTrackedChanges(dir).catch(() => false));
    const branch = registered ? entry.branch?.replace(/^refs\/heads\//, '') : undefined;
    facts.push({ agent, path: path.relative(layout.repo, dir), registered, dirty, empty: listDir(dir).length === 0, branch, held: slots.isHeld(agent) });
  }
  return facts;
}

// A host's folder holds its slots' worktrees; it is neither a worktree itself nor an attempt's (`<id>.<gen>`).
function slotWorktreeNames(dir: string): string[] {
  const names: string[] = [];
  for (const name of listDir(dir)) {
    if (isSlotName(name)) names.push(name);
    else if (!name.startsWith('.') && !/\.\d+$/.test(name) && !fs.existsSync(path.join(dir, name, '.git'))) {
      names.push(...listDir(path.join(dir, name)).filter(isSlotName).map((slot) => `${name}/${slot}`));
    }
  }
  return names;
}

async function apply(store: QueueStore, plan: CleanPlan, options: CleanOptions): Promise<{ removed: CleanItem[]; kept: CleanItem[] }> {
  const { layout } = store;
  const removed: CleanItem[] = [];
  const kept = [...plan.keep];
  const deleteBranch = new Set(plan.remove.filter((i) => i.kind === 'branch').map((i) => i.name));
  const done = new Set<CleanItem>();
  // Slots' worktrees first: a branch checked out in one cannot be deleted before it goes.
  for (const item of plan.remove.filter((i) => i.agent !== undefined)) {
    try {
      await removeSlotWorktree(layout.repo, layout, item.agent!, path.resolve(layout.repo, item.name), options.force ?? false);
      removed.push(item);
    } catch (err) {
      kept.push({ ...item, reason: err instanceof PlError ? err.message : String(err) });
    }
    done.add(item);
  }
  for (const item of plan.remove) {
    if (done.has(item) || item.kind === 'claims') continue;
    if (item.kind === 'folder') {
      fs.rmSync(path.resolve(layout.repo, item.name), { recursive: true, force: true });
      removed.push(item);
      continue;
    }
    // A worktree and its branch go together, under the worktree lock, as the worker removes them.
    const gen = Number(/(\d+)$/.exec(item.name)![1]);
    const branch = attemptBranch(item.task, gen);
    const branchItem = plan.remove.find((i) => i.kind === 'branch' && i.name === branch);
    try {
      const result = await removeAttemptWorktree({ repo: layout.repo, layout, taskId: item.task, gen, deleteBranch: deleteBranch.has(branch), mergedInto: options.target, force: options.force });
      if (item.kind === 'worktree') removed.push(item);
      if (branchItem) (result.branchDeleted ? removed : kept).push(result.branchDeleted ? branchItem : { ...branchItem, reason: result.branchKept ?? 'it changed while cleaning' });
    } catch (err) {
      const reason = err instanceof PlError ? err.message : String(err);
      kept.push({ ...item, reason });
      if (branchItem) kept.push({ ...branchItem, reason: 'its worktree is kept' });
    }
    done.add(item);
    if (branchItem) done.add(branchItem);
  }
  for (const item of plan.remove.filter((i) => i.kind === 'claims')) {
    // Re-checked now: a task retried while this ran is no longer finished.
    if (store.findById(item.task, ['done', 'failed']) && store.claims.snapshot(item.task).live === undefined) {
      store.claims.forget(item.task);
      removed.push(item);
    } else kept.push({ ...item, reason: `task ${item.task} was taken up again while cleaning` });
  }
  await pruneWorktrees(layout.repo, layout);
  return { removed, kept };
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
