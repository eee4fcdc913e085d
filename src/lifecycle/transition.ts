import { PlError } from '../errors.js';
import { idFileName } from '../queue/inbox.js';
import type { TaskState } from '../queue/layout.js';
import type { QueueStore } from '../queue/store.js';
import type { AgentEventInput } from './events.js';
import type { ReleaseInput } from './records.js';
import { RELEASE_OUTCOME, type Step, type StepEvent } from './decide.js';

/** A task under a generation its holder claimed: enough to move its file and release that generation. */
export interface Held {
  id: string;
  gen: number;
  /** Name of the task file in `from`. */
  file: string;
  agentId: string;
  /** Where the file is now. Default running/. */
  from?: TaskState;
}

/** One move of a task through its lifecycle. */
export interface Transition {
  /** Where the file goes (its name from running/ on is `<id><ext>`); undefined: it stays where it is. */
  to?: Extract<TaskState, 'inbox' | 'done' | 'failed'>;
  release: ReleaseInput;
  /** `failed/<id>.error.json`, written once the file is in failed/. */
  errorRecord?: (file: string) => Record<string, unknown>;
  events?: AgentEventInput[];
  /**
   * Release before the move (`parallel-loop retry`: a crash in between leaves the task in failed/ with
   * its marker written). Every other transition moves first: a crash between the two then leaves a
   * live claim on a moved file, which the monitor repairs, where the other order would let a second
   * worker claim a task still in running/.
   */
  releaseFirst?: boolean;
}

export interface Applied {
  /** False when a later generation was claimed (fencing): then nothing was moved, released or recorded. */
  applied: boolean;
  /** False when the file was gone before it could be moved (someone repaired or moved it). */
  moved: boolean;
  /** The file's name where it went. */
  file: string;
}

/**
 * Apply a transition: the fencing check, the move, the error record, the release and the events, in
 * the protocol's order (docs/PROTOCOL.md, "Finishing"). The one place a task changes state once claimed.
 */
export function applyTransition(store: QueueStore, held: Held, t: Transition, emit?: (event: AgentEventInput) => void): Applied {
  if (store.claims.isSuperseded(held.id, held.gen)) return { applied: false, moved: false, file: held.file };
  const release = () => store.claims.release(held.id, held.gen, { ...t.release, agentId: held.agentId }, held.agentId);
  if (t.releaseFirst) release();
  let file = held.file;
  let moved = t.to !== undefined;
  if (t.to !== undefined) {
    try {
      const from = held.from ?? 'running';
      // Named after the id from running/ on; a file already in running/ keeps its name, except back in the inbox.
      file = store.move(held.file, from, t.to, from === 'running' && t.to !== 'inbox' ? held.file : idFileName(held.id, held.file));
      if (t.to === 'failed' && t.errorRecord) store.writeRecord('failed', `${held.id}.error.json`, t.errorRecord(file));
    } catch (err) {
      // Released anyway, so the claim does not linger; a transition that released first reports the loss.
      if (t.releaseFirst || !(err instanceof PlError && err.code === 'TASK_GONE')) throw err;
      moved = false;
    }
  }
  if (!t.releaseFirst) release();
  for (const event of t.events ?? []) emit?.(event);
  return { applied: true, moved, file };
}

/** The transition of a settling step for the attempt `record` describes (worker and its landing). */
export function stepTransition(held: Held, step: Exclude<Step, { kind: 'land' }>, record: Record<string, unknown> & { attempt?: number }): Transition {
  const outcome = RELEASE_OUTCOME[step.kind];
  const fields = { ...record, ...step.release };
  const to = outcome === 'done' ? 'done' : outcome === 'failed' ? 'failed' : 'inbox';
  return {
    to,
    release: { outcome, ...fields } as ReleaseInput,
    errorRecord: () => ({ task: held.id, gen: held.gen, ...fields, at: new Date().toISOString() }),
    events: step.events.map((e) => withTask(e, held, record.attempt)),
  };
}

function withTask(event: StepEvent, held: Held, attempt: number | undefined): AgentEventInput {
  // Keys in the order events have always been written: type, task, gen, attempt, then the rest.
  const { type, ...rest } = event;
  return { type, task: held.id, gen: held.gen, ...(attempt === undefined ? {} : { attempt }), ...rest } as AgentEventInput;
}
