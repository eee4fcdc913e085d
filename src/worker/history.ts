import type { Release, RetryNote } from '../lifecycle/records.js';
import { isStage, type Stage } from '../lifecycle/stages.js';

/** What earlier generations of a task tell the next attempt. Pure: takes the claim history. */
export interface PriorState {
  /** Attempts used so far (generations in which an agent ran), since the last `retry` if any. */
  attemptsUsed: number;
  /** Branch to start from (the last attempt's), unless the last outcome asked for a fresh start. */
  resumeBranch?: string;
  /** A finished attempt whose landing was held: land this branch without running the agent again. */
  pendingLanding?: { branch: string; base: string; attempt: number; gen: number; kind: 'held' | 'ready'; shared?: string };
  /**
   * The commit the task's first attempt started from (since it was last done). Landings are searched
   * for from here, so work a resumed attempt only carried over, or a landing made by an owner that died
   * before releasing, is neither lost nor landed twice.
   */
  firstBase?: string;
  /** Landings held in a row (dirty target checkout): the wait before the next try grows with it. */
  heldInARow: number;
  /** True once a conflict has sent the task back: a second conflict fails it. */
  hadConflict: boolean;
  notes: RetryNote[];
  /**
   * The stage the next claim runs: the `nextStage` of the last release that named one (a requeue or a
   * reclaim names none, so the interrupted stage runs again). undefined: the pipeline's first stage.
   */
  stage?: Stage;
  /** Failures per stage since the last `retry` (a review's `changes` is not a failure, nor is a reclaim). */
  stageFailures: Partial<Record<Stage, number>>;
  /**
   * Tries of each agent stage cut short and reclaimed (its worker died or went silent), since the last
   * `retry`: a stage reclaimed as often as it has tries fails the task (health/reclaim.ts).
   */
  stageReclaims: Partial<Record<Stage, number>>;
  /** Times a review or test asked for changes since the last `retry`. */
  changesAsked: number;
}

export function priorState(history: Array<{ gen: number; release?: Release }>): PriorState {
  const prior: PriorState = { attemptsUsed: 0, hadConflict: false, notes: [], heldInARow: 0, stageFailures: {}, stageReclaims: {}, changesAsked: 0 };
  for (const { gen, release } of history) {
    if (!release) continue;
    // `parallel-loop retry` gives a failed task a fresh budget; the history before it stays readable.
    if (release.outcome === 'retry' && release.resetAttempts) {
      prior.attemptsUsed = 0;
      prior.hadConflict = false;
      prior.stageFailures = {};
      prior.stageReclaims = {};
      prior.changesAsked = 0;
      prior.stage = undefined;
    }
    stageStep(prior, release);
    // A task sent back after it was done (its landing undone) starts a new series of attempts.
    if (release.outcome === 'done') {
      prior.firstBase = undefined;
      prior.stage = undefined;
    }
    else if (prior.firstBase === undefined && typeof release.base === 'string' && release.base) prior.firstBase = release.base;
    if (release.attempted) prior.attemptsUsed++;
    const branch = typeof release.branch === 'string' && release.branch ? release.branch : undefined;
    if (branch) prior.resumeBranch = release.outcome === 'retry' && release.restart === 'target' ? undefined : branch;
    prior.heldInARow = release.outcome === 'held' ? prior.heldInARow + 1 : 0;
    if ((release.outcome === 'held' || release.outcome === 'ready') && branch && typeof release.base === 'string') {
      // A landing held or put back keeps the generation of the attempt that made the branch.
      const same = prior.pendingLanding?.branch === branch ? prior.pendingLanding : undefined;
      // The branch's copy on the remote (see AttemptFields.shared) stays named until a landing of it is done.
      const shared = typeof release.shared === 'string' ? release.shared : same?.shared;
      prior.pendingLanding = { branch, base: release.base, attempt: Number(release.attempt ?? prior.attemptsUsed), gen: same?.gen ?? gen, kind: release.outcome, ...(shared ? { shared } : {}) };
    } else if (release.outcome !== 'requeued') {
      prior.pendingLanding = undefined;
    }
    if (release.note && typeof release.note === 'object') {
      const note = release.note;
      prior.notes.push(note);
      if (note.kind === 'conflict') prior.hadConflict = true;
    }
  }
  return prior;
}

/** A reclaim that took over an agent stage's try (health/reclaim.ts): counted apart from the stage's failures. */
function reclaimedTry(release: Release): boolean {
  return release.outcome === 'requeued' && release.reclaimedGen !== undefined && release.stage !== 'land';
}

/** What one release says about the task's stage: where it goes next, and a failure or `changes` of the stage it ran. */
function stageStep(prior: PriorState, release: Release): void {
  if (isStage(release.nextStage)) prior.stage = release.nextStage;
  if (release.verdict === 'changes') prior.changesAsked++;
  else if (isStage(release.stage) && release.attempted && reclaimedTry(release)) {
    prior.stageReclaims[release.stage] = (prior.stageReclaims[release.stage] ?? 0) + 1;
  } else if (isStage(release.stage) && release.attempted && (release.outcome === 'retry' || release.outcome === 'failed') && !('resetAttempts' in release && release.resetAttempts)) {
    prior.stageFailures[release.stage] = (prior.stageFailures[release.stage] ?? 0) + 1;
  }
}
