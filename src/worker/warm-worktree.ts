import os from 'node:os';
import { addAttemptWorktree } from '../git/worktree.js';
import { agentCommitMessage, commitLeftovers, type CommitLeftoversOptions } from '../git/commit.js';
import { checkedOutBranch, isWorktreeFolder, keptFoldersIn, setAsideSlotWorktree, setupHash, switchSlotWorktree, withSlotLock } from '../git/slot-worktree.js';
import { attemptBranch, attemptWorktree, slotRecordFile, slotWorktree, type Layout } from '../queue/layout.js';
import type { Claims } from '../queue/claims.js';
import { RECORD_VERSION, type SlotWorktreeRecord } from '../lifecycle/records.js';
import { killAttempt } from '../health/attempt-processes.js';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';
import { PlError } from '../errors.js';
import { git } from '../git/repo.js';

/**
 * Warm worktrees (`worktrees: warm`): each agent slot keeps one worktree and switches it from attempt to
 * attempt, so dependency folders survive and `setup` runs only when what it depends on changed, the way a
 * cached container image runs its maintenance step. Still one attempt's at a time: the slot's record names
 * the attempt last given the worktree, and the branch checked out there says whether it got it.
 */

export interface SlotAttempt {
  repo: string;
  layout: Layout;
  claims: Claims;
  agentId: string;
  taskId: string;
  title: string;
  gen: number;
  attempt: number;
  /** The commit the attempt starts from. */
  base: string;
  keep: readonly string[];
  setup?: string;
  setupWhen: readonly string[];
  killGraceMs: number;
  /** An attempt this process finished and committed in the slot: nothing of it is left to save. */
  finished?: { task: string; gen: number };
}

export interface SlotTaken {
  dir: string;
  /** The worktree was made for this attempt (the slot had none, or it was set aside). */
  created: boolean;
  /** Why `setup` must run now; undefined when the worktree is set up for these files already (or there is no setup). */
  setupDue?: string;
  /** The set-up hash of this attempt's files (see setupHash), when there is a setup command. */
  hash?: string;
  /** Kept dependency folders found in the worktree. */
  kept: string[];
  /** Why the slot's old worktree was moved out of the way, when it was. */
  setAside?: string;
}

export function readSlotRecord(layout: Layout, agentId: string): SlotWorktreeRecord | undefined {
  return readJsonOrUndefined<SlotWorktreeRecord>(slotRecordFile(layout, agentId));
}

function writeSlotRecord(layout: Layout, record: SlotWorktreeRecord): void {
  writeJsonAtomic(slotRecordFile(layout, record.agentId), record);
}

/**
 * Give the slot's worktree to a new attempt: save what an unfinished earlier attempt left in it, switch it
 * to the attempt's new branch at its base (cleaned, kept folders kept), or make it when the slot has none,
 * and say whether `setup` must run. Under the slot's lock, so no commit of another attempt lands in between.
 */
export async function takeSlotWorktree(a: SlotAttempt): Promise<SlotTaken> {
  const dir = slotWorktree(a.layout, a.agentId);
  const branch = attemptBranch(a.taskId, a.gen);
  return withSlotLock(a.layout, a.agentId, async () => {
    const last = readSlotRecord(a.layout, a.agentId);
    let created = !isWorktreeFolder(dir);
    let kept: string[] = [];
    let setAside: string | undefined;
    let base = a.base;
    if (!created) {
      try {
        if (last && !isFinished(a, last) && (await holdsUnfinished(a.claims, dir, last))) {
          const saved = await saveAbandoned(a, dir, last);
          // The task's next attempt resuming the branch just saved (no reclaim had committed it) starts from the save.
          if (saved && last.task === a.taskId && saved.from === a.base) base = saved.commit;
        }
        // Written before the switch: the record always names the attempt that may hold the worktree.
        writeSlotRecord(a.layout, record(a, dir, branch, last));
        kept = await switchSlotWorktree(dir, branch, base, a.keep);
      } catch (err) {
        // Nothing of an attempt is thrown away: the worktree goes, whole, to the folder of the attempt it
        // last held, where a reclaim commits what is there and `clean` judges it; the slot starts a new one.
        setAside = err instanceof Error ? err.message : String(err);
        const to = attemptWorktree(a.layout, last?.task ?? a.agentId, last?.gen ?? Date.now());
        if (!(await setAsideSlotWorktree(a.repo, a.layout, dir, to))) throw err;
        created = true;
      }
    }
    if (created) {
      writeSlotRecord(a.layout, record(a, dir, branch, undefined));
      await addAttemptWorktree({ repo: a.repo, layout: a.layout, taskId: a.taskId, gen: a.gen, base, dir });
    }
    if (!a.setup) return { dir, created, kept, setAside };
    const hash = await setupHash(dir, a.setup, a.setupWhen);
    const due = setupDue({ created, last: created ? undefined : last?.setup, hash, kept });
    // A set-up that fails or is cut short must not pass for done.
    if (due && !created && last?.setup) writeSlotRecord(a.layout, { ...record(a, dir, branch, last), setup: undefined });
    return { dir, created, setupDue: due, hash, kept, setAside };
  });
}

function record(a: SlotAttempt, dir: string, branch: string, last: SlotWorktreeRecord | undefined): SlotWorktreeRecord {
  return {
    version: RECORD_VERSION,
    agentId: a.agentId,
    path: dir,
    task: a.taskId,
    gen: a.gen,
    branch,
    title: a.title,
    attempt: a.attempt,
    copied: [],
    createdAt: last?.createdAt ?? new Date().toISOString(),
    ...(last?.setup ? { setup: last.setup } : {}),
  };
}

/**
 * Why `setup` must run in a slot's worktree, or undefined when it need not: the worktree is new, was never
 * set up (or its last set-up failed), the command or a `setupWhen` file differs from its last set-up, or a
 * kept folder that set-up left is gone. Pure.
 */
export function setupDue(input: { created: boolean; last?: SlotWorktreeRecord['setup']; hash: string; kept: readonly string[] }): string | undefined {
  if (input.created) return 'new worktree';
  if (!input.last) return 'not set up yet';
  if (input.last.hash !== input.hash) return 'setup or setupWhen files changed';
  const gone = input.last.kept.filter((folder) => !input.kept.includes(folder));
  return gone.length > 0 ? `${gone.join(', ')} gone` : undefined;
}

/** What was copied into the slot's worktree for this attempt: never to be committed, by its owner or by whoever saves its work. */
export function noteSlotCopied(a: SlotAttempt, copied: string[]): void {
  const current = readSlotRecord(a.layout, a.agentId);
  if (current?.gen !== a.gen || current.task !== a.taskId || (copied.length === 0 && current.copied.length === 0)) return;
  writeSlotRecord(a.layout, { ...current, copied });
}

/** After a set-up that passed: its hash and the kept folders it left, so the next attempts can skip it. */
export async function noteSlotSetUp(a: SlotAttempt, taken: SlotTaken, setupMs: number): Promise<void> {
  if (!taken.hash) return;
  const kept = await keptFoldersIn(taken.dir, a.keep);
  const current = readSlotRecord(a.layout, a.agentId);
  if (current?.gen !== a.gen || current.task !== a.taskId) return;
  writeSlotRecord(a.layout, { ...current, setup: { hash: taken.hash, at: new Date().toISOString(), durationMs: setupMs, kept } });
}

function isFinished(a: SlotAttempt, last: SlotWorktreeRecord): boolean {
  return a.finished !== undefined && a.finished.task === last.task && a.finished.gen === last.gen;
}

async function holdsUnfinished(claims: Claims, dir: string, last: SlotWorktreeRecord): Promise<boolean> {
  if (claims.snapshot(last.task).released.has(last.gen)) return false;
  return (await checkedOutBranch(dir)) === `refs/heads/${last.branch}`;
}

// The slot's worker before this one died during that attempt, and no reclaim has saved its work yet: stop
// what it left running (nothing may write here once the switch starts), then commit its work on its branch
// as a reclaim would. A failed commit throws, and the worktree is set aside rather than switched.
async function saveAbandoned(a: SlotAttempt, dir: string, last: SlotWorktreeRecord): Promise<{ from: string; commit: string } | undefined> {
  const proc = a.claims.readProcess(last.task, last.gen);
  await killAttempt(last.task, last.gen, [dir], proc && proc.host === os.hostname() ? proc : undefined, a.killGraceMs);
  const from = await git(dir, ['rev-parse', 'HEAD']);
  const commit = await commitLeftovers(dir, agentCommitMessage({ taskId: last.task, title: last.title, attempt: last.attempt, kind: 'wip' }), { exclude: last.copied, identityFrom: a.repo });
  return commit ? { from, commit } : undefined;
}

/**
 * Commit what an attempt left in its slot's worktree, while the worktree still holds the attempt's branch
 * (under the slot's lock, so a switch cannot come between the check and the commit). Throws PlError
 * `WORKTREE_CONFLICT` when the slot has been given to another attempt since: its work was saved first.
 */
export async function commitInSlot(layout: Layout, agentId: string, branch: string, message: string, options: CommitLeftoversOptions = {}): Promise<string | undefined> {
  const dir = slotWorktree(layout, agentId);
  return withSlotLock(layout, agentId, async () => {
    const head = await checkedOutBranch(dir);
    if (head !== `refs/heads/${branch}`) {
      throw new PlError('WORKTREE_CONFLICT', `The worktree ${dir} of ${agentId} holds ${head ?? 'a detached HEAD'} now, not ${branch}: the slot was given to another attempt.`);
    }
    return commitLeftovers(dir, message, options);
  });
}
