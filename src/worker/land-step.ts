import os from 'node:os';
import type { Task } from '../task/types.js';
import { landAttempt } from '../merge/land.js';
import { landTargetFor, type LandTarget } from '../merge/target.js';
import { openPullRequest } from '../merge/pull-request.js';
import { DEFAULT_PR_COMMAND } from '../merge/pr-command.js';
import { removeAttemptWorktree, removeLandedWorktree } from '../git/worktree.js';
import { revParse, runGit } from '../git/repo.js';
import { isPlError } from '../errors.js';
import { recordLandingStop } from '../governance/landing-stop.js';
import { releaseLandedBranch } from '../git/slot-worktree.js';
import type { Worker } from './loop.js';
import { verifyInWorktree } from './verify.js';
import { verifyBatchCommit } from './verify-worktree.js';
import type { LandOutcome } from '../lifecycle/records.js';
import type { TaskPolicy } from '../lifecycle/policy.js';

/** One finished attempt to land: its branch, the base landings are searched from, where it ran. */
export interface AttemptToLand {
  branch: string;
  base: string;
  attempt: number;
  worktree: string | undefined;
  gen: number;
}

/** Where this worker's tasks land: the policy's branch, on the run's remote when it has one. */
export function targetFor(worker: Worker, policy: TaskPolicy): LandTarget {
  return landTargetFor(worker.config.repo, { branch: policy.target, remote: worker.config.options.remote });
}

/**
 * Land a finished attempt according to `--land`: merge onto the target (lock-free, exactly once), open a
 * pull request, or keep the branch. Cleans up the worktree (and branch, once merged) when configured. A
 * remote that refuses the credentials holds the task and stops landing on this host (see stopLanding). The
 * cleanup runs on after this returns (`Worker.deferCleanup`), so it never delays the task's release or the next claim.
 */
export async function landStep(worker: Worker, task: Task, policy: TaskPolicy, attempt: AttemptToLand, fault: (step: string) => void = () => undefined): Promise<LandOutcome> {
  const { options } = worker.config;
  if (options.inPlace) return { status: 'kept', branch: '', mode: 'none' };
  if (options.land === 'branch' || options.land === 'none') return { status: 'kept', branch: attempt.branch, mode: options.land };
  try {
    return options.land === 'pr' ? await pullRequestStep(worker, task, policy, attempt, fault) : await mergeStep(worker, task, policy, attempt);
  } catch (err) {
    const reason = `landing did not finish: ${err instanceof Error ? err.message : String(err)}`;
    if (isPlError(err) && err.code === 'REMOTE_AUTH_FAILED') {
      await stopLanding(worker, task.id, err.message);
      return { status: 'held', reason, stopped: true };
    }
    // The agent's work is committed on its branch; a landing that could not finish now (the target
    // kept moving, git failed, the remote said no) is held and tried again later, without running the agent again.
    return { status: 'held', reason };
  }
}

/**
 * The remote refused this host's credentials or permission: no landing of this host can succeed until a
 * person fixes them, so claiming stops here (ClaimGate) and `run` exits with the message.
 */
export function stopLanding(worker: Worker, taskId: string, message: string): Promise<void> {
  return recordLandingStop(worker.layout.landingStop, worker.layout.sharedLocks, os.hostname(), { code: 'REMOTE_AUTH_FAILED', message, task: taskId, agent: worker.config.agentId, at: new Date().toISOString() });
}

async function mergeStep(worker: Worker, task: Task, policy: TaskPolicy, attempt: AttemptToLand): Promise<LandOutcome> {
  const { options, repo } = worker.config;
  const target = targetFor(worker, policy);
  const verifyCommand = policy.verify;
  const worktree = attempt.worktree;
  const timeoutMs = policy.timeoutSec * 1000;
  const verify = verifyCommand
    ? async (merged: string) => {
        worker.state.set({ phase: 'verifying' });
        if (worktree) return verifyInWorktree(worktree, attempt.branch, merged, verifyCommand, { timeoutMs, killGraceMs: options.killGraceMs });
        // A landing held from an earlier generation has no worktree of its own: verified in the lander's.
        const own = { layout: worker.layout, agentId: worker.config.agentId, command: verifyCommand, timeoutMs, killGraceMs: options.killGraceMs, copy: options.copy, setup: options.setup };
        return verifyBatchCommit(own, merged, [task.id]);
      }
    : undefined;
  const result = await landAttempt({
    repo,
    target: policy.target,
    remote: options.remote,
    landTarget: target,
    branch: attempt.branch,
    base: attempt.base,
    taskId: task.id,
    title: task.title,
    prompt: task.prompt,
    attempt: attempt.attempt,
    style: options.landStyle,
    verify,
    dirtyPolicy: options.dirtyTarget,
    changelog: options.changelog ? { file: options.changelog, entry: task.changelog ?? task.title } : undefined,
  });
  const landed = result.status === 'landed' || result.status === 'already-landed' || result.status === 'nothing-to-land';
  if (landed && options.cleanup) {
    const cleanup =
      // A slot's warm worktree stays for the slot's next task: only the landed branch goes.
      options.worktrees === 'warm' && worktree
        ? releaseLandedBranch({ repo, layout: worker.layout, agentId: worker.config.agentId, dir: worktree, taskId: task.id, gen: attempt.gen, target: policy.target, targetRef: target.ref, landed: result.status === 'landed' ? { landedAt: result.commit, branchTip: result.branchTip } : undefined })
        : // The fast path is for an attempt this process ran and committed just now (its worktree is the attempt's own).
      result.status === 'landed' && worktree
        ? removeLandedWorktree({ repo, layout: worker.layout, taskId: task.id, gen: attempt.gen, target: policy.target, targetRef: target.ref, landedAt: result.commit, branchTip: result.branchTip })
        : removeAttemptWorktree({ repo, layout: worker.layout, taskId: task.id, gen: attempt.gen, deleteBranch: true, mergedInto: target.ref });
    // Not awaited: the task is settled and the next one claimed while git removes what this attempt used.
    worker.deferCleanup(cleanup);
  }
  return result as LandOutcome;
}

/** `land: pr`: push the branch to the remote as `pl/<id>` and open its pull request, once per task. The local branch is kept. */
async function pullRequestStep(worker: Worker, task: Task, policy: TaskPolicy, attempt: AttemptToLand, fault: (step: string) => void): Promise<LandOutcome> {
  const { options, repo } = worker.config;
  const commit = await revParse(repo, `refs/heads/${attempt.branch}`);
  if (!commit) return { status: 'held', reason: `the branch ${attempt.branch} is gone; nothing to open a pull request for` };
  // A branch the target already contains has nothing to review (and gh would refuse it: "No commits between").
  const { tip } = await targetFor(worker, policy).readTip();
  if ((await runGit(repo, ['merge-base', '--is-ancestor', commit, tip], { okCodes: [0, 1] })).exitCode === 0) return { status: 'nothing-to-land' };
  return openPullRequest({
    repo,
    dir: worker.layout.prs,
    remote: options.remote ?? 'origin',
    base: policy.target,
    taskId: task.id,
    title: task.title,
    prompt: task.prompt,
    attempt: attempt.attempt,
    commit,
    command: options.prCommand ?? DEFAULT_PR_COMMAND,
    timeoutMs: options.prTimeoutMs,
    killGraceMs: options.killGraceMs,
    fault,
  });
}
