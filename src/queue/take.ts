import type { Task } from '../task/types.js';
import { parseTaskFile } from '../task/parse.js';
import { formatRejection, rejectionFor } from '../task/rejection.js';
import { PlError } from '../errors.js';
import type { Lease } from '../lifecycle/records.js';
import { idFileName, type InboxEntry } from './inbox.js';
import type { QueueStore } from './store.js';

export type Owner = Omit<Lease, 'taskId' | 'gen' | 'claimedAt' | 'file'>;

export type TakeResult =
  | { ok: true; gen: number; lease: Lease; file: string; task: Task }
  | { ok: false; reason: 'lost' | 'live' | 'duplicate' | 'vanished' | 'invalid'; gen?: number };

/**
 * Claim a task from the inbox and move its file to running/ (docs/PROTOCOL.md, "Claiming"):
 * 1. link the next generation (EEXIST: another worker won);
 * 2. a task of the same id already in running/, done/ or failed/ makes this file a duplicate;
 * 3. rename the file to running/<id><ext>;
 * 4. parse it again from running/, since it may have been edited after the inbox was indexed.
 * Every way out after step 1 releases the generation, so no claim is left without an owner at work.
 */
export function takeTask(store: QueueStore, entry: InboxEntry, owner: Owner, fault: (step: string) => void = () => undefined): TakeResult {
  // Cheap look first: an index entry whose file another worker already took would otherwise cost a
  // whole claim (lease, link, release) and a wasted generation. The checks after the claim still decide.
  if (!store.stat('inbox', entry.file)) return { ok: false, reason: 'lost' };
  const claim = store.claims.claim(entry.id, { ...owner, file: entry.file });
  if (!claim.ok) return { ok: false, reason: claim.reason === 'live' ? 'live' : 'lost', gen: claim.gen };
  fault('claim-written');
  const { gen, lease } = claim;
  const release = (outcome: 'rejected' | 'vanished', reason: string) =>
    store.claims.release(entry.id, gen, { outcome, reason, agentId: owner.agentId }, owner.agentId);

  const existing = store.findById(entry.id);
  if (existing) {
    const where = `queue/${existing.state}/${existing.file}`;
    store.reject(entry.file, (name) => formatRejection(name, [rejectionFor('duplicate', where, entry.id)], entry.warnings));
    release('rejected', `duplicate of ${where}`);
    return { ok: false, reason: 'duplicate', gen };
  }
  let file: string;
  try {
    file = store.move(entry.file, 'inbox', 'running', idFileName(entry.id, entry.file));
  } catch (err) {
    if (err instanceof PlError && err.code === 'TASK_GONE') {
      release('vanished', 'the task file left the inbox before it could be moved');
      return { ok: false, reason: 'vanished', gen };
    }
    throw err;
  }
  const parsed = parseTaskFile(entry.file, store.read('running', file));
  if (parsed.ok && parsed.task.id !== entry.id) {
    // The file under this name was replaced by another task since it was indexed: put it back
    // under its own name, to be indexed afresh, and let this claim go.
    store.move(file, 'running', 'inbox', entry.file);
    release('vanished', `the file now holds task \`${parsed.task.id}\`; it went back to the inbox`);
    return { ok: false, reason: 'lost', gen };
  }
  if (!parsed.ok) {
    store.reject(file, (name) => formatRejection(name, parsed.problems, parsed.warnings), 'running');
    release('rejected', parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    return { ok: false, reason: 'invalid', gen };
  }
  return { ok: true, gen, lease, file, task: parsed.task };
}
