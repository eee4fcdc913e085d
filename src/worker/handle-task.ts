import fs from 'node:fs';
import path from 'node:path';
import type { Task } from '../task/types.js';
import type { Stage } from '../lifecycle/stages.js';
import { readVerdictFile, verdictFromEvents } from './verdict.js';
import { mergeTargetInto, runTestCommand, TargetMergeConflict } from './test-stage.js';
import type { Lease } from '../lifecycle/records.js';
import { revParse } from '../git/repo.js';
import { branchTip } from '../git/ref-file.js';
import type { Worker } from './loop.js';
import type { LandTarget } from '../merge/target.js';
import { attemptFolder, runAttempt, type AttemptResult } from './attempt.js';
import { priorState, type PriorState } from './history.js';
import { landStep, stopLanding, targetFor } from './land-step.js';
import { isPlError } from '../errors.js';
import { readCancelRequest } from '../queue/cancel.js';
import { taskOverBudget } from '../governance/budget-checks.js';
import { attemptBranch, attemptBranchGen, attemptWorktree } from '../queue/layout.js';
import { breakerStep, noteWorked, spawnErrno } from './env-breaker.js';
import { resolvePolicy, type TaskPolicy } from '../lifecycle/policy.js';
import { nextStep, type StepOutcome } from '../lifecycle/decide.js';
import type { Held } from '../lifecycle/transition.js';
import { settleStep, type AttemptRecord, type TaskOutcome } from './settle.js';
import { landsBehind, landsInBatches } from '../lifecycle/policy.js';
import { removeAttemptWorktree } from '../git/worktree.js';
import { releaseLandedBranch } from '../git/slot-worktree.js';
import { shareReady } from '../merge/ready-share.js';

export type { TaskOutcome } from './settle.js';

/** A task whose landing runs on behind the worker's next task: its outcome once it has landed (or not). */
export interface LandingBehind {
  behind: Promise<TaskOutcome>;
}

/** Everything after a successful claim: attempt, then land, retry or fail. */
export async function handleTask(
  worker: Worker,
  taken: { gen: number; lease: Lease; file: string; task: Task },
  signal: AbortSignal,
  fault: (step: string) => void,
): Promise<TaskOutcome | LandingBehind> {
  const { store, state, config } = worker;
  const { options } = config;
  const { task, gen } = taken;
  const held: Held = { id: task.id, gen, file: taken.file, agentId: config.agentId };
  const prior = priorState(store.claims.history(task.id).filter((h) => h.gen < gen));
  // The stage comes from the history, so it survives crashes; any worker takes the next one.
  const policy = resolvePolicy(task, options, prior.pendingLanding ? 'land' : prior.stage);
  const landPolicy = resolvePolicy(task, options, 'land');
  const settle = (outcome: StepOutcome, attempt: number, record: AttemptRecord, as = policy) => settleStep(worker, held, { outcome, prior, policy: as, attempt, record });

  if (prior.pendingLanding) {
    // The agent already finished in an earlier generation; only its landing was held.
    const { branch, base, attempt } = prior.pendingLanding;
    if (prior.pendingLanding.kind === 'ready' && landsInBatches(options, landPolicy)) {
      // Indexed before its ready release was written: it belongs to the landing queue's lander.
      const { shared } = prior.pendingLanding;
      return settle({ kind: 'ready', branch }, attempt, { attempted: false, attempt, branch, base, ...(shared ? { shared } : {}) });
    }
    state.set({ task: task.id, gen, attempt, stage: policy.pipeline ? 'land' : undefined, phase: 'landing', taskStartedAt: new Date().toISOString() });
    if (policy.pipeline) store.markStage(task.id, 'land', taken.file);
    // The worktree and branch to clean up after landing are the earlier generation's, named by the branch.
    const landing = await landStep(worker, task, policy, { branch, base, attempt, worktree: undefined, gen: attemptBranchGen(branch) ?? gen }, fault);
    return settle({ kind: 'landing', landing, branch }, attempt, { attempt, branch, base });
  }
  const stage = policy.stage;
  const tries = policy.pipeline ? (prior.stageFailures[stage] ?? 0) + 1 : undefined;

  const overBudget = taskOverBudget(worker.layout, task);
  if (overBudget) return settle({ kind: 'over-budget', reason: overBudget }, prior.attemptsUsed + 1, {});
  const attempt = prior.attemptsUsed + 1;
  const target = targetFor(worker, policy);
  let base: string;
  try {
    // A remote target's tip is fetched: the attempt starts from the remote branch as it is now.
    // A local target's tip from its loose ref file where there is one (no git process); a remote's is fetched.
    const tipNow = async () => (target.kind === 'local' ? await branchTip(config.repo, target.branch) : undefined) ?? (await target.readTip()).tip;
    base = options.inPlace ? '' : ((prior.resumeBranch && (await revParse(config.repo, prior.resumeBranch))) || (await tipNow()));
  } catch (err) {
    // A remote that cannot be fetched now (refused, unreachable) is no fault of the task's.
    if (target.kind !== 'remote' || !isPlError(err) || (err.code !== 'REMOTE_AUTH_FAILED' && err.code !== 'GIT_FAILED')) throw err;
    const stopped = err.code === 'REMOTE_AUTH_FAILED';
    if (stopped) await stopLanding(worker, task.id, err.message);
    return settle({ kind: 'remote-failed', reason: `could not fetch ${target.label}: ${err.message}`, stopped }, attempt, {});
  }
  const startHead = options.inPlace ? ((await revParse(config.repo, 'HEAD')) ?? '') : base;
  state.set({ task: task.id, gen, attempt, stage: policy.pipeline ? stage : undefined, phase: 'worktree', taskStartedAt: new Date().toISOString(), note: undefined });
  if (policy.pipeline) store.markStage(task.id, stage, taken.file);
  worker.emit({ type: 'attempt-started', task: task.id, gen, attempt, base, ...(policy.pipeline ? { stage } : {}) });
  const stageEnv = policy.pipeline ? stageFiles(worker, task.id, gen, stage, prior) : undefined;

  // The tester tests what will land: the current target merged into the branch.
  const beforeAgent = policy.pipeline && stage === 'test' ? async (worktree: string) => mergeTargetInto(worktree, await freshRef(target), config.repo, target.label) : undefined;
  // The last landing's cleanup ran on while this task was claimed; the worktree lock (and a warm slot) is needed now.
  await worker.cleanupsDone();
  let result: AttemptResult;
  try {
    result = await runAttempt({ layout: worker.layout, options, policy, agentId: config.agentId, slot: config.slot, task, gen, attempt, base, notes: prior.notes, tries, stageEnv: stageEnv?.env, beforeAgent, state, claims: store.claims, signal, fault, finishedInSlot: worker.finishedInSlot,
      emit: (e) => worker.emit(e),
      onAgentStarted: (pid) => {
        worker.emit({ type: 'agent-started', task: task.id, gen, attempt, pid });
        worker.prepareNext();
      } });
  } catch (err) {
    // A superseded attempt (see the fencing check in runAttempt, or a clash with the reclaimer's WIP commit) is not a failure.
    if (store.claims.isSuperseded(task.id, gen)) return superseded(worker, held, attempt);
    if (err instanceof TargetMergeConflict) return settle({ kind: 'test-conflict', files: err.files, details: err.details }, attempt, { attempted: true, attempt, branch: attemptBranch(task.id, gen), base: prior.firstBase ?? base });
    const message = err instanceof Error ? err.message : String(err);
    const spawnError = spawnErrno(err);
    if (spawnError) {
      const worktree = attemptFolder(worker.layout, options, config.agentId, task.id, gen);
      const end = { adapter: policy.agent, timedOut: false, aborted: false, durationMs: 0, tail: [], spawnError };
      const env = await breakerStep(worker, { task: task.id, gen, attempt, end, worktree, startHead });
      if (env) return settle({ kind: 'environment', env }, attempt, { attempted: false, attempt, reason: message });
    }
    // Worktree or set-up failed: that is this attempt's failure, not the worker's.
    return settle({ kind: 'attempt-error', message }, attempt, { attempted: true, attempt });
  }
  const exit = { exitCode: result.exitCode, signal: result.signal };
  // Search for landings from the first attempt's base: a resumed branch may carry work of earlier attempts.
  const landBase = prior.firstBase ?? base;
  const record = { attempted: true, attempt, branch: result.branch, base: landBase, log: result.log, usage: result.usage, durationMs: result.durationMs, ...exit };
  worker.emit({ type: 'attempt-finished', task: task.id, gen, attempt, next: result.next.action, durationMs: result.durationMs, usage: result.usage, ...(policy.pipeline ? { stage } : {}) });

  // Fencing: another worker reclaimed this task while we ran. Do nothing irreversible.
  if (store.claims.isSuperseded(task.id, gen)) return superseded(worker, held, attempt);
  const next = result.next;
  if (next.action === 'cancel') return settle({ kind: 'agent', next, log: result.log, tail: result.tail }, attempt, { ...record, cancelRequest: readCancelRequest(store, task.id) });
  if (next.action === 'retry' || next.action === 'fail') {
    const end = { adapter: policy.agent, exitCode: result.exitCode, signal: result.signal, timedOut: next.kind === 'timeout', aborted: false, durationMs: result.durationMs, tail: result.tail };
    const env = await breakerStep(worker, { task: task.id, gen, attempt, end, worktree: result.worktree, startHead, leftoverCommit: result.leftoverCommit });
    if (env) return settle({ kind: 'environment', env }, attempt, { ...record, tail: result.tail });
    fault('before-release');
  }
  if (next.action !== 'land') return settle({ kind: 'agent', next, log: result.log, tail: result.tail }, attempt, record);
  await noteWorked(worker);
  // The verdict of the stage that lands the task (an approving review or test) stays in its history.
  let landRecord: AttemptRecord = record;
  if (policy.pipeline) {
    // The verdict file first; else a `VERDICT:` last line of the agent's final text (the claude adapter reports it).
    const verdict = stageEnv && (stage === 'review' || stage === 'test') ? (readVerdictFile(stageEnv.verdictFile) ?? verdictFromEvents(result.events)) : undefined;
    if (verdict && 'invalid' in verdict) return settle({ kind: 'attempt-error', message: verdict.invalid }, attempt, record);
    if (stage === 'test' && policy.test && (!verdict || verdict.verdict === 'approve')) {
      state.set({ phase: 'verifying' });
      const tested = await runTestCommand(result.worktree, target.ref, policy.test, { timeoutMs: policy.timeoutSec * 1000, killGraceMs: options.killGraceMs });
      if (!tested.ok) return settle({ kind: 'test-failed', output: tested.output }, attempt, record);
    }
    const outcome: StepOutcome = { kind: 'agent', next, log: result.log, tail: result.tail, verdict };
    // Not the last stage, or a verdict other than approve: the task goes on (or back) through the inbox.
    if (nextStep({ outcome, prior, policy, attempt, now: Date.now() }).kind !== 'land') return settle(outcome, attempt, record);
    if (verdict) landRecord = { ...record, verdict: verdict.verdict };
  }
  if (landsInBatches(options, landPolicy)) {
    // The landing queue's lander lands it with others (worker/lander.ts); the work is on its branch, so the
    // worktree can go now and this worker is free for the next task.
    // A remote target: the branch goes to the remote too, so a lander of any host can land it should this one die.
    const landTarget = targetFor(worker, landPolicy);
    const shared = landTarget.remote !== undefined ? await shareReady(config.repo, landTarget.remote, result.branch) : undefined;
    if (shared) landRecord = { ...landRecord, shared };
    // Dying here leaves a copy on the remote that no release names: the task runs again, and once it is
    // done every copy of its generations goes (merge/ready-share.ts, copiesOf).
    fault('before-release');
    if (options.cleanup && result.worktree) {
      // A warm slot's worktree stays for the slot's next task, let go of the branch so the lander can delete it once landed.
      const free =
        options.worktrees === 'warm'
          ? releaseLandedBranch({ repo: config.repo, layout: worker.layout, agentId: config.agentId, dir: result.worktree, taskId: task.id, gen, target: landPolicy.target })
          : removeAttemptWorktree({ repo: config.repo, layout: worker.layout, taskId: task.id, gen });
      await free.catch(() => undefined);
    }
    return settle({ kind: 'ready', branch: result.branch }, attempt, landRecord);
  }
  if (policy.pipeline) store.markStage(task.id, 'land', taken.file);
  const land = async (): Promise<TaskOutcome> => {
    const landing = await landStep(worker, task, landPolicy, { branch: result.branch, base: landBase, attempt, worktree: result.worktree, gen }, fault);
    if (landing.status === 'held' && options.worktrees === 'warm' && result.worktree) {
      // Held, it lands later from whichever slot claims it: this slot lets go of the branch, so that one can delete it.
      await releaseLandedBranch({ repo: config.repo, layout: worker.layout, agentId: config.agentId, dir: result.worktree, taskId: task.id, gen, target: landPolicy.target }).catch(() => undefined);
    }
    fault('before-release');
    return settle({ kind: 'landing', landing, branch: result.branch }, attempt, landRecord, landPolicy);
  };
  if (landsBehind(options, landPolicy)) {
    // The work is committed on its branch and the merge needs no checkout: the worker goes on to its next
    // task while this one lands (see Worker.landBehind). Its slot's worktree holds nothing left to save.
    worker.finishedInSlot = { task: task.id, gen };
    return { behind: land() };
  }
  state.set({ phase: 'landing', ...(policy.pipeline ? { stage: 'land' as const } : {}) });
  return land();
}

/**
 * The files of a pipeline stage, in the agent's state folder (outside the worktree, so never committed):
 * where a review or test writes its verdict, and the notes of earlier reviews and tests for the implementer.
 */
function stageFiles(worker: Worker, id: string, gen: number, stage: Stage, prior: PriorState): { env: Record<string, string>; verdictFile: string } {
  const dir = path.join(worker.state.dir, 'stages');
  fs.mkdirSync(dir, { recursive: true });
  const verdictFile = path.join(dir, `${id}.${gen}.verdict.json`);
  fs.rmSync(verdictFile, { force: true });
  const feedbackFile = path.join(dir, `${id}.${gen}.feedback.md`);
  const feedback = prior.notes.filter((n) => n.kind === 'changes' || n.kind === 'rejected' || n.kind === 'test-failed' || (n.kind === 'conflict' && n.stage === 'test'));
  fs.writeFileSync(feedbackFile, feedback.map((n) => `## ${n.stage ?? 'review'} (attempt ${n.attempt}, ${n.kind})\n\n${n.text.trim()}\n`).join('\n'));
  return { env: { PL_STAGE: stage, PL_ROLE: stage, PL_VERDICT_FILE: verdictFile, PL_FEEDBACK_FILE: feedbackFile }, verdictFile };
}

function superseded(worker: Worker, held: Held, attempt: number): TaskOutcome {
  worker.emit({ type: 'requeued', task: held.id, gen: held.gen, attempt, reason: 'superseded by a later claim' });
  return 'superseded';
}

/** The target's ref with its tip read just now (a remote's is fetched first). */
async function freshRef(target: LandTarget): Promise<string> {
  await target.readTip();
  return target.ref;
}
