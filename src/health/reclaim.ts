import fs from 'node:fs';
import os from 'node:os';
import { parseTaskFile } from '../task/parse.js';
import { agentCommitMessage, commitLeftovers } from '../git/commit.js';
import type { Task } from '../task/types.js';
import { revParse } from '../git/repo.js';
import { landTargetFor } from '../merge/target.js';
import { readPrRecord } from '../merge/pull-request.js';
import type { AgentProcess, LandOutcome, Lease, ReleaseOutcome } from '../lifecycle/records.js';
import { attemptBranch, attemptWorktree, slotWorktree } from '../queue/layout.js';
import { commitInSlot, readSlotRecord } from '../worker/warm-worktree.js';
import { idFileName } from '../queue/inbox.js';
import { priorState } from '../worker/history.js';
import { DEFAULT_STAGES, isPipeline, type Stage } from '../lifecycle/stages.js';
import { attemptsOf } from '../lifecycle/policy.js';
import { copiesOf, dropShared } from '../merge/ready-share.js';
import type { MonitorConfig } from './monitor.js';
import type { Verdict } from './judge.js';
import { killAttempt } from './attempt-processes.js';
import { faultInjector } from '../worker/fault.js';

/**
 * Reclaim a stale claim (docs/PROTOCOL.md, "Staleness"): claim the next generation over it (link(2):
 * one reclaimer wins), kill the old attempt's processes on this host, commit what it
 * left as a WIP commit on its branch, and return the task to the inbox so the next attempt resumes
 * from that branch; past maxAttempts (a pipeline: once a stage was reclaimed as often as it has tries),
 * to failed/ with its history. An owner that died after landing, or after moving the task file, only
 * missed its release: the task goes to (or stays in) done/.
 * Returns false when another reclaimer won.
 */
export async function reclaim(config: MonitorConfig, lease: Lease, verdict: Verdict & { stale: true }): Promise<boolean> {
  const { store, owner } = config;
  const id = lease.taskId;
  const won = store.claims.claim(id, { ...owner, file: lease.file }, { over: lease.gen });
  if (!won.ok) return false;
  const gen = won.gen;
  config.emit({ type: 'reclaimed', task: id, gen, from: lease.agentId, fromGen: lease.gen, reason: verdict.reason });
  faultInjector(owner.agentId)('reclaim-claimed');

  // A reclaimer that died mid-reclaim left its own generation unreleased, and the attempt it was settling
  // unsettled: settle every unreleased generation since the last released one, oldest first, so no
  // attempt's worktree is left with uncommitted work and the next attempt resumes from the newest branch.
  const snap = store.claims.snapshot(id);
  const lastReleased = Math.max(0, ...[...snap.released].filter((g) => g < lease.gen));
  const prior = priorState(store.claims.history(id).filter((h) => h.gen < lease.gen));
  const running = store.findById(id, ['running']);
  const task = running ? readTask(store, running.file) : undefined;
  const title = task?.title ?? id;
  const stages = task?.stages ?? config.options.stages ?? DEFAULT_STAGES;
  // The stage the stale generation ran, as its worker chose it (worker/handle-task.ts): a held landing's
  // `land`, else the stage the history names next, else the first.
  const stage = isPipeline(stages) ? (prior.pendingLanding ? 'land' : (prior.stage ?? stages[0]!)) : undefined;
  // Reclaims are counted for agent stages only: a landing taken over used no try.
  const agentStage = stage !== 'land' ? stage : undefined;
  let attemptsUsed = prior.attemptsUsed;
  let last: { gen: number; proc?: AgentProcess; branch?: string } | undefined;
  for (const old of snap.gens.filter((g) => g > lastReleased && g <= lease.gen && !snap.released.has(g))) {
    const settled = await stopAttempt(config, id, old, title, attemptsUsed + 1);
    if (settled.attempted) {
      attemptsUsed++;
      last = { gen: old, proc: settled.proc, branch: settled.branch };
    }
  }
  const proc = last?.proc;
  const attempted = last !== undefined;
  const branch = last?.branch;
  const record = {
    attempted,
    attempt: attemptsUsed,
    branch,
    // The old attempt's base, so later attempts search for landings from it (see priorState.firstBase).
    base: proc?.base,
    reclaimedGen: lease.gen,
    // A pipeline counts the reclaimed tries of each agent stage (worker/history.ts); a landing taken over is none.
    ...(agentStage ? { stage: agentStage } : {}),
    reason: `reclaimed: ${verdict.reason}`,
    note: attempted ? { attempt: attemptsUsed, kind: 'reclaimed' as const, text: `The attempt was stopped: ${verdict.reason}. Its work so far is kept on this branch.` } : undefined,
  };
  // Whatever goes wrong while settling, the new generation must be released: a live claim whose owner
  // (this healthy worker) keeps heartbeating would never be judged stale, and the task would be stuck.
  // A stage's reclaims: those before this one, and the attempts this reclaim settled (normally one).
  const stageTries = agentStage ? { stage: agentStage, used: (prior.stageReclaims[agentStage] ?? 0) + attemptsUsed - prior.attemptsUsed, max: attemptsOf(task ?? {}, config.options, agentStage) } : undefined;
  const outcome = await settle(config, id, task, { base: prior.firstBase ?? proc?.base, attemptsUsed, stageTries, reason: record.reason, landingPending: prior.pendingLanding !== undefined }).catch(
    (err: unknown): Settled => ({ outcome: 'requeued', event: 'requeued', extra: { error: err instanceof Error ? err.message : String(err) } }),
  );
  // A landing its dead lander made: the branch's copy on the remote (merge/ready-share.ts) is needed no more.
  if (outcome.outcome === 'done' && prior.pendingLanding?.shared && config.options.remote) await dropShared(store.layout.repo, config.options.remote, copiesOf(id, snap.gens));
  // A crash before the task file left the inbox leaves it there: releasing is all it needs.
  store.claims.release(id, gen, { ...record, ...outcome.extra, outcome: outcome.outcome, agentId: owner.agentId }, owner.agentId);
  store.claims.dropAgentLease(lease.agentId, id, lease.gen);
  config.emit({ type: outcome.event, task: id, gen, reason: record.reason, ...outcome.extra });
  return true;
}

/**
 * Stop what one generation's attempt left running on this host, then commit what it left in its worktree
 * as a WIP commit on its branch. `attempted`: an agent ran or a branch exists (an attempt was used).
 */
async function stopAttempt(config: MonitorConfig, id: string, gen: number, title: string, attempt: number): Promise<{ attempted: boolean; proc?: AgentProcess; branch?: string }> {
  const { store } = config;
  const repo = store.layout.repo;
  const proc = store.claims.readProcess(id, gen);
  const worktree = attemptWorktree(store.layout, id, gen);
  // With warm worktrees the attempt ran in its agent slot's worktree, which may hold another attempt by now.
  const agentId = store.claims.readLease(id, gen)?.agentId;
  const slot = agentId ? slotWorktree(store.layout, agentId) : undefined;
  // Before the WIP commit, so that no process of the old attempt still writes in its worktree.
  await killAttempt(id, gen, [worktree, ...(slot ? [slot] : []), repo], proc && proc.host === os.hostname() ? proc : undefined, config.options.killGraceMs);
  const branch = attemptBranch(id, gen);
  const message = agentCommitMessage({ taskId: id, title, attempt, kind: 'wip' });
  if (fs.existsSync(worktree)) {
    await commitLeftovers(worktree, message).catch(() => undefined);
  } else if (agentId) {
    // Only while the slot's worktree still holds this attempt's branch; once the slot moved on, its next
    // worker had committed this attempt's work before switching (see takeSlotWorktree).
    const held = readSlotRecord(store.layout, agentId);
    const copied = held?.task === id && held.gen === gen ? held.copied : undefined;
    await commitInSlot(store.layout, agentId, branch, message, { exclude: copied, identityFrom: repo }).catch(() => undefined);
  }
  const hasBranch = (await revParse(repo, `refs/heads/${branch}`).catch(() => undefined)) !== undefined;
  return { attempted: proc !== undefined || hasBranch, proc, branch: hasBranch ? branch : undefined };
}

interface Settled {
  outcome: ReleaseOutcome;
  event: 'requeued' | 'failed' | 'already-landed' | 'done';
  extra?: Record<string, unknown>;
}

interface Tally {
  /** The first attempt's base, where a landing the dead owner made is searched from. */
  base: string | undefined;
  attemptsUsed: number;
  /** A pipeline's agent stage: its reclaimed tries, this one's included, and how many tries it has. Absent for a task of one stage (and for a landing, which `landingPending` says). */
  stageTries?: { stage: Stage; used: number; max: number };
  reason: string;
  /** A held or ready landing was taken over: it used no attempt. */
  landingPending: boolean;
}

/** Move the task file to where it belongs now and say how the reclaiming generation is released. */
async function settle(config: MonitorConfig, id: string, task: Task | undefined, tally: Tally): Promise<Settled> {
  const { store } = config;
  const { base, attemptsUsed, stageTries, reason, landingPending } = tally;
  const where = store.findById(id, ['running', 'done', 'failed']);
  // The owner moved the file and died before releasing: only the release was missing.
  if (where?.state === 'done') return { outcome: 'done', event: 'done', extra: { finishedBy: 'owner' } };
  if (where?.state === 'failed') return { outcome: 'failed', event: 'failed' };
  if (!where) return { outcome: 'requeued', event: 'requeued' };
  // From the first attempt's base: a resumed attempt's own base is a commit of an earlier attempt's branch.
  const landing = await landedAt(config, id, base);
  if (landing) {
    store.move(where.file, 'running', 'done');
    return { outcome: 'done', event: landing.status === 'pr' ? 'done' : 'already-landed', extra: { landing } };
  }
  // A pipeline fails a task whose stage was reclaimed as often as it has tries (its failures are judged
  // apart, by the worker), a task of one stage once its attempts are used. A stopped landing (a lander
  // that died mid-batch, or a pipeline's `land`) used no attempt: the task waits to land again.
  const exhausted = !landingPending && (stageTries ? stageTries.used >= stageTries.max : attemptsUsed >= (task?.maxAttempts ?? config.options.maxAttempts));
  if (!exhausted) {
    store.move(where.file, 'running', 'inbox', idFileName(id, where.file));
    return { outcome: 'requeued', event: 'requeued' };
  }
  store.move(where.file, 'running', 'failed');
  const history = store.claims.history(id).map((h) => ({ gen: h.gen, agent: h.lease?.agentId, outcome: h.release?.outcome, reason: h.release?.reason }));
  const used = stageTries ? `its ${stageTries.stage} stage reclaimed ${stageTries.used} times, as many as its tries` : `${attemptsUsed} attempts used`;
  store.writeRecord('failed', `${id}.error.json`, { task: id, reason: `${reason}; ${used}`, ...(stageTries ? { stage: stageTries.stage } : {}), history, at: new Date().toISOString() });
  return { outcome: 'failed', event: 'failed' };
}

/**
 * How the dead owner landed the task, when it got that far: the landing commit on the target since `base`
 * (a remote target's tip is fetched), or with `land: pr` the pull request it recorded.
 */
async function landedAt(config: MonitorConfig, id: string, base: string | undefined): Promise<LandOutcome | undefined> {
  const { target, land, remote } = config.options;
  const { layout } = config.store;
  if (land === 'pr') {
    const pr = readPrRecord(layout.prs, id);
    return pr?.url ? { status: 'pr', url: pr.url, branch: pr.branch, commit: pr.pushed, opened: false } : undefined;
  }
  if (!base || !target || land !== 'merge') return undefined;
  const landTarget = landTargetFor(layout.repo, { branch: target, remote });
  const tip = await landTarget.readTip().then((t) => t.tip, () => undefined);
  if (!tip) return undefined;
  const commit = await landTarget.findLanding(base, tip, id).catch(() => undefined);
  return commit ? { status: 'already-landed', commit } : undefined;
}

function readTask(store: MonitorConfig['store'], file: string): Task | undefined {
  try {
    const parsed = parseTaskFile(file, store.read('running', file));
    return parsed.ok ? parsed.task : undefined;
  } catch {
    // Moved on meanwhile: the caller does without it.
    return undefined;
  }
}
