import { tryLock } from '../git/lock.js';
import { git } from '../git/repo.js';
import { removeAttemptWorktree } from '../git/worktree.js';
import { landBatch, type BatchReport } from '../merge/batch.js';
import { resolvePolicy, type TaskPolicy } from '../lifecycle/policy.js';
import { applyTransition, type Held } from '../lifecycle/transition.js';
import type { LandOutcome } from '../lifecycle/records.js';
import type { InboxEntry, InboxIndex } from '../queue/inbox.js';
import { refSafeId } from '../queue/layout.js';
import { takeTask } from '../queue/take.js';
import { chooseBatch, type ReadyTask } from '../schedule/batch.js';
import type { Task } from '../task/types.js';
import { priorState, type PriorState } from './history.js';
import { settleStep, type TaskOutcome } from './settle.js';
import type { Worker } from './loop.js';
import { verifyBatchCommit } from './verify-worktree.js';
import { stopLanding, targetFor } from './land-step.js';
import { isPlError } from '../errors.js';
import { copiesOf, dropShared, fetchShared } from '../merge/ready-share.js';

/** A claimed task of the batch, with what its history says its landing is. */
interface Member {
  held: Held;
  task: Task;
  prior: PriorState;
  policy: TaskPolicy;
  pending: NonNullable<PriorState['pendingLanding']>;
}

type ReadyEntry = InboxEntry & { ready: NonNullable<InboxEntry['ready']> };

/**
 * The merge queue's lander (docs/PROTOCOL.md, "Merge queue"). Tasks that finished their stages wait in
 * the inbox as ready; whichever worker gets `<state>/locks/lander-<target>` takes the ready tasks in
 * batches, claims them (so a lander that dies leaves them to the monitor like any claim), lands each
 * batch with one verify run, and settles every task as its own landing would have. A worker that finds
 * the lock taken goes on with other work: the lander looks at the queue again before it lets go, and
 * whoever made a task ready tries the lock after, so no ready task is left without a lander.
 * The lock is the clone's (`layout.locks`): with several hosts on one queue, a ready task's branch is in the
 * clone of the host that made it ready, so each host's lander lands those (docs/DEPLOY.md), and their
 * landings meet at the target's compare-and-swap like any two landings.
 * Returns the outcomes of the tasks it settled (empty when it landed nothing).
 */
export async function landQueue(worker: Worker, index: InboxIndex, fault: (step: string) => void): Promise<TaskOutcome[]> {
  if (!refreshReady(worker, index)) return [];
  const { options } = worker.config;
  const target = targetFor(worker, resolvePolicy({}, options, 'land'));
  const unlock = await tryLock(worker.layout.locks, `lander-${refSafeId(target.label)}`, { staleMs: options.staleAfterMs });
  if (!unlock) return [];
  const outcomes: TaskOutcome[] = [];
  try {
    let fillingSince = Date.now();
    while (!worker.isStopping) {
      refreshReady(worker, index);
      const now = Date.now();
      const mine = await landableHere(worker, readyEntries(index, now), now);
      const batch = chooseBatch(mine.map((e) => asReady(e, worker)), options.batchSize);
      if (batch.length === 0) break;
      // A batch not yet full while other tasks are still worked on: wait a little for them to be ready.
      if (batch.length < options.batchSize && Date.now() - fillingSince < options.batchWaitMs && worker.store.taskFiles('running').length > 0) {
        await new Promise((r) => setTimeout(r, Math.min(100, options.batchWaitMs)));
        continue;
      }
      fillingSince = Date.now();
      const members = claimAll(worker, index, batch.map((b) => b.entry), fault);
      if (members.length === 0) continue;
      outcomes.push(...(await landMembers(worker, members, fault)));
    }
  } finally {
    await unlock();
  }
  return outcomes;
}

/**
 * Bring the index up to date for the tasks marked ready (QueueStore.markReady): an entry made before the
 * task came back ready (its file left and returned under the same name between two listings) is indexed
 * again, and a marker whose task is no longer waiting goes. True when any task is ready.
 */
function refreshReady(worker: Worker, index: InboxIndex): boolean {
  const { store } = worker;
  const ids = store.readyIds();
  if (ids.length === 0) return false;
  for (const id of ids) {
    const file = store.inboxFileOf(id);
    if (!file) {
      // Landed, failed or sent back since: only a task in the inbox or being landed keeps its mark.
      if (!store.findById(id, ['running'])) store.unmarkReady(id);
      continue;
    }
    const entry = index.get(file);
    if (entry && !entry.ready) index.remove(file);
  }
  index.refresh();
  return readyEntries(index, Date.now()).length > 0;
}

function readyEntries(index: InboxIndex, now: number): ReadyEntry[] {
  return index.ordered().filter((e): e is ReadyEntry => e.ready !== undefined && e.notBeforeMs <= now);
}

/**
 * The ready tasks this clone can land: those whose branch it has, those made ready on this host (a
 * branch of this host that went missing is then reported by the landing, as before), and those whose
 * branch waits on the remote (merge/ready-share.ts) and have waited `staleAfterMs` there: their own
 * host's lander lands them within seconds while it lives, so one still waiting is most likely a dead
 * host's. Another host's ready task is otherwise its own lander's: its branch is in that host's clone.
 */
async function landableHere(worker: Worker, entries: ReadyEntry[], now: number): Promise<ReadyEntry[]> {
  if (entries.length === 0) return entries;
  const refs = await git(worker.config.repo, ['for-each-ref', '--format=%(refname:strip=2)', 'refs/heads/pl/']);
  const local = new Set(refs.split('\n').filter(Boolean));
  const waitedOnRemote = (e: ReadyEntry) => e.ready.shared !== undefined && now - Date.parse(e.ready.since) >= worker.config.options.staleAfterMs;
  return entries.filter((e) => local.has(e.ready.branch) || worker.store.claims.readLease(e.id, e.gens)?.host === worker.owner.host || waitedOnRemote(e));
}

function asReady(entry: ReadyEntry, worker: Worker): ReadyTask & { entry: ReadyEntry } {
  const verify = resolvePolicy(entry.task, worker.config.options, 'land').verify ?? '';
  return { id: entry.id, since: entry.ready.since, touches: entry.task.touches, key: verify, entry };
}

/** Claim every task of the batch; one another worker took, or whose history shows no landing to do, is left out. */
function claimAll(worker: Worker, index: InboxIndex, entries: ReadyEntry[], fault: (step: string) => void): Member[] {
  const { store, owner, config } = worker;
  const members: Member[] = [];
  for (const entry of entries) {
    const taken = takeTask(store, entry, owner, fault);
    index.remove(entry.file);
    if (!taken.ok) continue;
    worker.emit({ type: 'claimed', task: taken.task.id, gen: taken.gen, file: taken.file });
    const held: Held = { id: taken.task.id, gen: taken.gen, file: taken.file, agentId: config.agentId };
    const prior = priorState(store.claims.history(taken.task.id).filter((h) => h.gen < taken.gen));
    const policy = resolvePolicy(taken.task, config.options, 'land');
    if (!prior.pendingLanding) {
      // Its history changed since it was indexed (e.g. `retry`): an ordinary claim picks it up again.
      applyTransition(store, held, { to: 'inbox', release: { outcome: 'requeued', attempted: false, reason: 'no landing was waiting' } });
      continue;
    }
    if (policy.pipeline) store.markStage(held.id, 'land', held.file);
    members.push({ held, task: taken.task, prior, policy, pending: prior.pendingLanding });
  }
  return members;
}

async function landMembers(worker: Worker, claimed: Member[], fault: (step: string) => void): Promise<TaskOutcome[]> {
  const { options, repo, agentId } = worker.config;
  // Fencing, as before any irreversible step: a task reclaimed meanwhile (this lander was stopped) is another's.
  const members = claimed.filter((m) => !worker.store.claims.isSuperseded(m.held.id, m.held.gen));
  if (members.length === 0) return [];
  const policy = members[0]!.policy;
  const ids = members.map((m) => m.held.id);
  const startedAt = Date.now();
  worker.state.set({ task: ids[0], gen: members[0]!.held.gen, phase: 'landing', note: `landing a batch of ${ids.length}: ${ids.join(', ')}`, taskStartedAt: new Date().toISOString() });
  const command = policy.verify;
  const verify = command
    ? (commit: string, tasks: string[]) => {
        fault('batch-verify');
        worker.state.set({ phase: 'verifying', note: `verifying ${tasks.length} of the batch: ${tasks.join(', ')}` });
        const verifyOptions = { layout: worker.layout, agentId, command, timeoutMs: policy.timeoutSec * 1000, killGraceMs: options.killGraceMs, copy: options.copy, setup: options.setup };
        return verifyBatchCommit(verifyOptions, commit, tasks);
      }
    : undefined;
  // Branches another host made ready come from their copy on the remote; one that cannot be fetched is
  // missing here, and its landing says so (held), as for any missing branch.
  const landTarget = targetFor(worker, policy);
  for (const m of members) {
    if (m.pending.shared && landTarget.remote !== undefined) await fetchShared(repo, landTarget.remote, m.pending.branch, m.pending.shared);
  }
  let report: BatchReport;
  try {
    report = await landBatch({
      repo,
      target: policy.target,
      remote: options.remote,
      landTarget,
      style: options.landStyle,
      dirtyPolicy: options.dirtyTarget,
      verifyOnMove: options.verifyOnMove,
      verify,
      members: members.map((m) => ({
        taskId: m.held.id,
        branch: m.pending.branch,
        base: m.prior.firstBase ?? m.pending.base,
        title: m.task.title,
        prompt: m.task.prompt,
        attempt: m.pending.attempt,
        changelog: options.changelog ? { file: options.changelog, entry: m.task.changelog ?? m.task.title } : undefined,
      })),
    });
  } catch (err) {
    // As for one landing (land-step.ts): refused credentials stop landing on this host; anything else holds the batch.
    const stopped = isPlError(err) && err.code === 'REMOTE_AUTH_FAILED';
    if (stopped) await stopLanding(worker, ids[0]!, (err as Error).message);
    const landing: LandOutcome = { status: 'held', reason: `landing did not finish: ${err instanceof Error ? err.message : String(err)}`, ...(stopped ? { stopped: true } : {}) };
    report = { results: new Map(ids.map((id) => [id, landing])), verifyRuns: 0, flaky: [] };
  }
  fault('batch-landed');
  const outcomes: TaskOutcome[] = [];
  const landedCopies: string[] = [];
  for (const m of members) {
    const landing = report.results.get(m.held.id) ?? { status: 'held', reason: 'landing did not finish' };
    const { pending } = m;
    const record = { attempt: pending.attempt, branch: pending.branch, base: m.prior.firstBase ?? pending.base, stage: m.policy.pipeline ? ('land' as const) : undefined, ...(pending.shared ? { shared: pending.shared } : {}) };
    const outcome = settleStep(worker, m.held, { outcome: { kind: 'landing', landing, branch: pending.branch }, prior: m.prior, policy: m.policy, attempt: pending.attempt, record });
    outcomes.push(outcome);
    if (outcome !== 'superseded') worker.store.unmarkReady(m.held.id);
    // Superseded: the task is another lander's now, and its branch with it.
    const landed = landing.status === 'landed' || landing.status === 'already-landed';
    if (outcome !== 'superseded' && options.cleanup && landed) {
      await removeAttemptWorktree({ repo, layout: worker.layout, taskId: m.held.id, gen: pending.gen, deleteBranch: true, mergedInto: landTarget.ref }).catch(() => undefined);
    }
    if (outcome !== 'superseded' && landed && pending.shared) landedCopies.push(...copiesOf(m.held.id, worker.store.claims.snapshot(m.held.id).gens));
  }
  if (landTarget.remote !== undefined) await dropShared(repo, landTarget.remote, landedCopies);
  for (const f of report.flaky) worker.emit({ type: 'verify-flaky', task: f.taskId, output: f.output.slice(-4000) });
  const of = (status: string) => ids.filter((id) => report.results.get(id)?.status === status);
  worker.emit({
    type: 'batch',
    target: policy.namedTarget,
    tasks: ids,
    landed: [...of('landed'), ...of('already-landed')],
    failed: of('verify-failed'),
    conflicts: of('conflict'),
    flaky: report.flaky.map((f) => f.taskId),
    verifyRuns: report.verifyRuns,
    durationMs: Date.now() - startedAt,
  });
  worker.state.clearTask('idle');
  return outcomes;
}
