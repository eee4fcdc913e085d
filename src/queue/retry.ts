import fs from 'node:fs';
import path from 'node:path';
import { PlError, errnoCode } from '../errors.js';
import { appendEvent } from '../events/log.js';
import { clearCancelRequest, commandOwner, dropCommandOwner, locateTask } from './cancel.js';
import { applyTransition } from '../lifecycle/transition.js';
import type { QueueStore } from './store.js';

export interface RetryResult {
  id: string;
  /** Name of the task file back in the inbox. */
  file: string;
  /** Generation of the retry marker: attempts are counted again from after it. */
  gen: number;
  /** Where the failure record went (`claims/<id>/retry-<gen>.json`), if there was one. */
  errorRecord?: string;
}

/**
 * Send a failed task back to the inbox for a fresh set of attempts, keeping its whole history.
 *
 * The retry is itself a generation: the command claims `gen+1` (link(2), as a worker would, so two
 * retries or a retry and a monitor cannot both act), moves `failed/<id>.error.json` into the task's
 * history as `claims/<id>/retry-<gen>.json`, and releases it with `resetAttempts: true` and no
 * `retryAfter`. Attempts are counted from the last such marker (worker/history.ts), so the task gets
 * `maxAttempts` again; no back-off applies. Released before the file moves: a crash in between leaves
 * the task in failed/ with the marker written, and running `retry` again finishes the job.
 */
export function retryTask(store: QueueStore, id: string): RetryResult {
  const where = locateTask(store, id);
  if (!where) throw new PlError('TASK_NOT_FOUND', `No task \`${id}\` in ${store.layout.queue} (inbox, running/, done/ or failed/).`);
  if (where.state !== 'failed') {
    throw new PlError('NOT_FAILED', `Task \`${id}\` is not in failed/ but in ${where.state === 'inbox' ? 'the inbox' : `${where.state}/`} (${where.file}); only failed tasks can be retried.`);
  }
  const owner = commandOwner('retry');
  store.init();
  try {
    const claim = store.claims.claim(id, { ...owner, file: where.file });
    if (!claim.ok) {
      const holder = claim.reason === 'live' ? store.claims.readLease(id, claim.gen)?.agentId : undefined;
      throw new PlError('TASK_BUSY', `Task \`${id}\` has a live claim (generation ${claim.gen}${holder ? `, held by ${holder}` : ''}); try again in a moment.`);
    }
    const errorRecord = keepErrorRecord(store, id, claim.gen);
    clearCancelRequest(store, id);
    const reason = 'retried by `parallel-loop retry`: attempts start again, history kept';
    const { file } = applyTransition(store, { id, gen: claim.gen, file: where.file, agentId: owner.agentId, from: 'failed' }, {
      to: 'inbox',
      release: { outcome: 'retry', attempted: false, resetAttempts: true, reason, errorRecord },
      releaseFirst: true,
    });
    return { id, file, gen: claim.gen, errorRecord };
  } finally {
    dropCommandOwner(store, owner);
  }
}

/** `parallel-loop retry <id>`: the retry, and its `requeued` event so status and the log tell of it. */
export function retryAndRecord(store: QueueStore, id: string): RetryResult {
  const result = retryTask(store, id);
  appendEvent(store.layout.events, { type: 'requeued', agent: 'cli', task: id, gen: result.gen, reason: 'retried by `parallel-loop retry`' });
  return result;
}

/** Move `failed/<id>.error.json` into the task's claim folder; never deleted, it explains a failure. */
function keepErrorRecord(store: QueueStore, id: string, gen: number): string | undefined {
  const from = store.path('failed', `${id}.error.json`);
  const name = `retry-${gen}.json`;
  const to = path.join(store.claims.taskDir(id), name);
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    if (errnoCode(err) !== 'EXDEV') throw err;
    // --queue and --state on different filesystems: copy, then remove the original.
    fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
    fs.rmSync(from);
  }
  return name;
}
