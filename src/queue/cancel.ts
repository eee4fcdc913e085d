import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlError, errnoCode } from '../errors.js';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';
import { hostBootId, processStartTime } from '../proc/start-time.js';
import { InboxIndex, type InboxEntry } from './inbox.js';
import { takeTask, type Owner } from './take.js';
import type { TaskState } from './layout.js';
import { TASK_EXTENSIONS, type QueueStore } from './store.js';
import { parseTaskFile } from '../task/parse.js';
import { applyTransition } from '../lifecycle/transition.js';

/**
 * `claims/<id>/cancel`: asks whoever holds the task, now or later, to stop its attempt and move it to
 * failed/ marked cancelled. A file rather than a signal: the owner may be on another host, and a
 * task between two attempts (back in the inbox) has no owner to signal. `retry` removes it.
 */
export interface CancelRequest {
  requestedAt: string;
  pid: number;
  host: string;
}

const CANCEL_FILE = 'cancel';

/** The abort reason a worker gives its attempt for a cancel, told apart from a kill. */
export const CANCELLED = new PlError('CANCELLED', 'cancelled by `parallel-loop cancel`');

export function isCancelAbort(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason === CANCELLED;
}

export function requestCancel(store: QueueStore, id: string): CancelRequest {
  const request: CancelRequest = { requestedAt: new Date().toISOString(), pid: process.pid, host: os.hostname() };
  fs.mkdirSync(store.claims.taskDir(id), { recursive: true });
  writeJsonAtomic(path.join(store.claims.taskDir(id), CANCEL_FILE), request);
  return request;
}

export function readCancelRequest(store: QueueStore, id: string): CancelRequest | undefined {
  const file = path.join(store.claims.taskDir(id), CANCEL_FILE);
  if (!fs.existsSync(file)) return undefined;
  // A torn or hand-written request still counts as a request.
  return readJsonOrUndefined<CancelRequest>(file) ?? { requestedAt: '', pid: 0, host: '' };
}

export function clearCancelRequest(store: QueueStore, id: string): void {
  fs.rmSync(path.join(store.claims.taskDir(id), CANCEL_FILE), { force: true });
}

/** Where a task is now: its state and file name, or undefined when no state folder holds it. */
export function locateTask(store: QueueStore, id: string): { state: TaskState; file: string; entry?: InboxEntry } | undefined {
  const found = store.findById(id);
  if (found) return found;
  // A task sent back for another attempt is named after its id: found without reading the inbox.
  for (const ext of TASK_EXTENSIONS) {
    const entry = inboxEntry(store, id + ext);
    if (entry?.id === id) return { state: 'inbox', file: entry.file, entry };
  }
  // Other inbox files keep their writers' names, so the inbox is read (and parsed) to find the id.
  const index = new InboxIndex(store);
  index.refresh();
  const entry = index.ordered().find((e) => e.id === id);
  return entry ? { state: 'inbox', file: entry.file, entry } : undefined;
}

function inboxEntry(store: QueueStore, file: string): InboxEntry | undefined {
  const stat = store.stat('inbox', file);
  if (!stat?.isFile()) return undefined;
  const parsed = parseTaskFile(file, store.read('inbox', file));
  if (!parsed.ok) return undefined;
  const { task, warnings } = parsed;
  return { file, id: task.id, priority: task.priority, enqueuedMs: stat.mtimeMs, task, warnings, notBeforeMs: 0, held: false, gens: store.claims.snapshot(task.id).highest };
}

/**
 * The identity a command claims under. Its lease sits with the agents' leases so that a health
 * monitor repairs the claim if the command dies holding it (same host, dead pid: stale at once).
 */
export function commandOwner(command: string): Owner {
  // Not the pid alone: commands on other hosts (or in other PID namespaces) may have the same pid, and
  // two owners sharing a lease folder would overwrite each other's lease before either links it.
  return { agentId: `cli-${command}-${process.pid}-${randomBytes(3).toString('hex')}`, pid: process.pid, pidStart: processStartTime(process.pid), host: os.hostname(), bootId: hostBootId() };
}

/** Remove the command's empty lease folders, so it does not look like an agent afterwards. */
export function dropCommandOwner(store: QueueStore, owner: Owner): void {
  const dir = path.join(store.layout.agents, owner.agentId);
  for (const d of [path.join(dir, 'leases'), dir]) {
    try {
      fs.rmdirSync(d);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTEMPTY') throw err;
    }
  }
}

/**
 * Cancel a task waiting in the inbox: claim it exactly as a worker would (so no worker can start it
 * meanwhile), move it to failed/ with `<id>.error.json` `{ cancelled: true }`, then release.
 * Returns false when a worker claimed it first: then it is running, and the request file decides.
 */
export function cancelQueued(store: QueueStore, entry: InboxEntry): boolean {
  const owner = commandOwner('cancel');
  store.init();
  try {
    const taken = takeTask(store, entry, owner);
    if (!taken.ok) {
      if (taken.reason === 'duplicate' || taken.reason === 'invalid') {
        throw new PlError('TASK_REJECTED', `${entry.file} turned out ${taken.reason === 'duplicate' ? 'a duplicate' : 'invalid'} when claimed; it is in queue/rejected/ now`);
      }
      return false;
    }
    const reason = 'cancelled by `parallel-loop cancel` before it started';
    applyTransition(store, { id: entry.id, gen: taken.gen, file: taken.file, agentId: owner.agentId }, {
      to: 'failed',
      release: { outcome: 'failed', cancelled: true, attempted: false, reason },
      errorRecord: () => ({ task: entry.id, gen: taken.gen, cancelled: true, reason, at: new Date().toISOString() }),
    });
    return true;
  } finally {
    dropCommandOwner(store, owner);
  }
}
