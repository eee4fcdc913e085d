import { withInferredTouches } from '../schedule/effective-touches.js';
import { pickNext, type Candidate, type RunningTask } from '../schedule/select.js';
import { parseTaskFile } from '../task/parse.js';
import { fileStem } from '../task/id.js';
import type { InboxEntry, InboxIndex } from '../queue/inbox.js';
import type { QueueStore } from '../queue/store.js';
import type { TaskState } from '../queue/layout.js';
import { heldSinceFor } from './held-since.js';
import type { Owner } from '../queue/take.js';
import { applyTransition } from '../lifecycle/transition.js';
import { pathsConflict } from '../schedule/globs.js';

interface SelectHost {
  readonly store: QueueStore;
  readonly config: { options: { starveAfterMs?: number } };
  /** Who claims a dependent it fails. */
  readonly owner: Owner;
  emit(event: { type: 'failed'; task: string; reason: string }): void;
}

type EntryCandidate = Candidate & { entry: InboxEntry };

const runningTouches = new Map<string, string[]>();
const candidates = new WeakMap<InboxEntry, EntryCandidate>();

/** The tasks running now, from running/ (each file parsed once, touches inferred as in the inbox). */
function running(store: QueueStore): RunningTask[] {
  const names = store.taskFiles('running');
  const seen = new Set(names);
  for (const name of runningTouches.keys()) if (!seen.has(name)) runningTouches.delete(name);
  return names.map((name) => {
    let touches = runningTouches.get(name);
    if (touches === undefined) {
      try {
        const parsed = parseTaskFile(name, store.read('running', name));
        touches = parsed.ok ? withInferredTouches(parsed.task).touches : [];
      } catch {
        touches = [];
      }
      runningTouches.set(name, touches);
    }
    return { id: fileStem(name), touches };
  });
}

/**
 * Whether a task running now (read from running/) touches a path the entry's `touches` overlap. Asked again
 * under the claim lock right before a task with `touches` is taken (see Worker.take), since two workers
 * picking at the same moment each saw the other's task still waiting.
 */
export function touchesBusy(store: QueueStore, entry: InboxEntry): boolean {
  const touches = entry.task.touches;
  return running(store).some((r) => r.id !== entry.id && pathsConflict(touches, r.touches).conflict);
}

function asCandidate(entry: InboxEntry): EntryCandidate {
  let c = candidates.get(entry);
  if (!c) {
    c = { id: entry.id, priority: entry.priority, touches: entry.task.touches, dependsOn: entry.task.dependsOn, enqueuedAt: entry.enqueuedMs, name: entry.file, started: entry.stage !== undefined, entry };
    candidates.set(entry, c);
  }
  return c;
}

/** Ids seen in done/: a task never leaves it, so a dependency found there once is done for good. */
const knownDone = new Set<string>();

/**
 * Ids in one state folder, looked up only when asked and at most once per selection: a few lstat
 * calls per dependency named, never a listing of done/ (which grows without bound). An id waiting
 * in the inbox or running is in neither done/ nor failed/, so it costs no lookup at all.
 */
class StateLookup extends Set<string> {
  private readonly memo = new Map<string, boolean>();

  constructor(
    private readonly store: QueueStore,
    private readonly state: Extract<TaskState, 'done' | 'failed'>,
    private readonly elsewhere: { has(id: string): boolean },
  ) {
    super();
  }

  override has(id: string): boolean {
    if (this.elsewhere.has(id)) return false;
    if (this.state === 'done' && knownDone.has(id)) return true;
    let found = this.memo.get(id);
    if (found === undefined) this.memo.set(id, (found = this.store.findById(id, [this.state]) !== undefined));
    if (found && this.state === 'done') knownDone.add(id);
    return found;
  }
}

/** Candidates considered per pass: a pick is almost always near the front of the inbox order. */
const WINDOW = 512;
const idSets = new WeakMap<readonly InboxEntry[], Set<string>>();

/** Ids of the inbox, built once per change of the index (the index re-sorts on change anyway). */
function idsOf(ordered: readonly InboxEntry[]): Set<string> {
  let ids = idSets.get(ordered);
  if (!ids) idSets.set(ordered, (ids = new Set(ordered.map((e) => e.id))));
  return ids;
}

const inFlightSets = new WeakMap<readonly InboxEntry[], RunningTask[]>();

/** Inbox tasks between two stages of their pipeline, once per change of the index. */
function inFlightOf(ordered: readonly InboxEntry[]): RunningTask[] {
  let list = inFlightSets.get(ordered);
  if (!list) inFlightSets.set(ordered, (list = ordered.filter((e) => e.stage !== undefined).map((e) => ({ id: e.id, touches: e.task.touches }))));
  return list;
}

/** The first `size` candidates past their back-off, plus any further one already held back (it may be due promotion). */
function readyWindow(ordered: readonly InboxEntry[], now: number, size: number, firstSeen: ReadonlyMap<string, number>): { list: EntryCandidate[]; complete: boolean } {
  const list: EntryCandidate[] = [];
  let complete = true;
  for (const entry of ordered) {
    // The landing queue is the lander's (worker/lander.ts), not a claim's to start.
    if (entry.notBeforeMs > now || entry.ready) continue;
    if (list.length < size) list.push(asCandidate(entry));
    else if (firstSeen.size === 0) return { list, complete: false };
    else {
      complete = false;
      if (firstSeen.has(entry.id)) list.push(asCandidate(entry));
    }
  }
  return { list, complete };
}

/**
 * The inbox task to start now, as `pickNext` decides (priority, age, dependencies done, touches free
 * of running work, starving tasks promoted), among those whose retry back-off has passed. The front
 * of the inbox order is looked at first, and more only when nothing there can start, so a claim
 * costs the same with a hundred tasks waiting or a hundred thousand. A task whose dependency failed
 * is moved to failed/ here with that reason; when that happens and nothing is picked,
 * `{ fail: true }` tells the loop to look again.
 */
export function selectTask(host: SelectHost, index: InboxIndex, now: number): InboxEntry | { fail: true } | undefined {
  const { store } = host;
  const ordered = index.ordered();
  const inIndex = idsOf(ordered);
  const held = heldSinceFor(store.layout.state);
  const firstSeen = held.refresh();
  const busy = running(store);
  const busyIds = new Set(busy.map((r) => r.id));
  const elsewhere = { has: (id: string) => inIndex.has(id) || busyIds.has(id) };
  const inFlight = inFlightOf(ordered);
  const failed = new StateLookup(store, 'failed', elsewhere);
  const done = new StateLookup(store, 'done', elsewhere);
  for (let size = WINDOW; ; size *= 4) {
    const window = readyWindow(ordered, now, size, firstSeen);
    if (window.list.length === 0) return undefined;
    const result = pickNext(window.list, { running: busy, inFlight, done, failed, now, firstSeen, starveAfterMs: host.config.options.starveAfterMs });
    if (result.task === undefined && !window.complete) continue;
    const entryOf = (id: string) => window.list.find((c) => c.id === id)!.entry;
    for (const hold of result.blocked) {
      if (hold.kind !== 'conflict' && hold.kind !== 'reserved') continue;
      const { file } = entryOf(hold.id);
      held.mark(hold.id, now, () => store.stat('inbox', file) !== undefined);
    }
    const failing = result.blocked.filter((h) => h.fail);
    const failingIds = new Set(failing.map((h) => h.id));
    for (const hold of failing) {
      held.forget(hold.id);
      const entry = entryOf(hold.id);
      const deps = entry.task.dependsOn;
      failDependent(host, index, entry, deps.find((d) => failed.has(d)) ?? deps.find((d) => failingIds.has(d)) ?? deps[0]!);
    }
    if (result.task) {
      held.forget(result.task.id);
      return result.task.entry;
    }
    return failing.length > 0 ? { fail: true } : undefined;
  }
}

/** Fail a task whose dependency failed: claimed first, like any other move, so no other worker starts it meanwhile. */
function failDependent(host: SelectHost, index: InboxIndex, entry: InboxEntry, dep: string): void {
  const reason = `dependency \`${dep}\` failed (see queue/failed/${dep}.error.json); fix it and \`parallel-loop retry ${dep}\`, then retry this task`;
  index.remove(entry.file);
  const { store, owner } = host;
  const claim = store.claims.claim(entry.id, { ...owner, file: entry.file });
  // Another worker holds it; it is handled there.
  if (!claim.ok) return;
  const held = { id: entry.id, gen: claim.gen, file: entry.file, agentId: owner.agentId, from: 'inbox' as const };
  const { moved } = applyTransition(store, held, {
    to: 'failed',
    release: { outcome: 'failed', attempted: false, reason },
    errorRecord: (file) => ({ task: entry.id, reason, dependency: dep, file, at: new Date().toISOString() }),
  });
  if (moved) host.emit({ type: 'failed', task: entry.id, reason });
}
