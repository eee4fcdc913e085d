import path from 'node:path';
import type { Problem, Task } from '../task/types.js';
import { parseTaskFile, MAX_TASK_FILE_BYTES } from '../task/parse.js';
import { isTaskFileName } from '../task/id.js';
import { formatRejection, rejectionFor } from '../task/rejection.js';
import { unsafeFileReason } from './preflight.js';
import { withInferredTouches } from '../schedule/effective-touches.js';
import type { QueueStore } from './store.js';
import { stageRank, type Stage } from '../lifecycle/stages.js';
import { priorState } from '../worker/history.js';

/** A valid task waiting in the inbox. */
export interface InboxEntry {
  file: string;
  id: string;
  priority: number;
  /** When the file arrived (its mtime): the age in "priority, then age, then name". */
  enqueuedMs: number;
  task: Task;
  warnings: Problem[];
  /** A retried task waits until then (back-off recorded in its last release), epoch ms. */
  notBeforeMs: number;
  /** Its agent finished but landing was held (the target checkout has uncommitted changes). */
  held: boolean;
  /** It finished its stages and waits in the landing queue for the lander (worker/lander.ts). */
  ready?: { since: string; branch: string; shared?: string };
  /** The pipeline stage it waits for (from its claim history); undefined: its first, not begun. */
  stage?: Stage;
  /** Its highest claim generation when indexed: another, later, means the entry is out of date (see isCurrent). */
  gens: number;
}

export interface RefreshResult {
  added: InboxEntry[];
  removed: string[];
  rejected: Array<{ file: string; problems: Problem[] }>;
}

function rankOf(entry: InboxEntry): number {
  return entry.stage === undefined ? 0 : stageRank(entry.stage);
}

/** Selection order: stage (test, then review, then implement), then priority (high first), then age (old first), then file name. */
export function compareEntries(a: InboxEntry, b: InboxEntry): number {
  // Closest to landing first: a free agent finishes work under way before it starts new work.
  return rankOf(b) - rankOf(a) || b.priority - a.priority || a.enqueuedMs - b.enqueuedMs || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
}

/**
 * An in-memory, sorted view of the inbox. `refresh()` lists the folder once and parses only names it
 * has not seen, so claiming never rescans or re-parses the whole inbox (a 100,000-file inbox costs one
 * readdir per refresh, not per claim). Invalid files are moved to rejected/ as they are found.
 */
export class InboxIndex {
  private readonly entries = new Map<string, InboxEntry>();
  private sorted: InboxEntry[] = [];
  private dirty = false;

  constructor(
    private readonly store: QueueStore,
    /** `readOnly`: report invalid files in `rejected` but leave them where they are (for `plan`). */
    private readonly options: { allowSharedQueue?: boolean; uid?: number; readOnly?: boolean } = {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Entries in selection order. */
  ordered(): readonly InboxEntry[] {
    if (this.dirty) {
      this.sorted = [...this.entries.values()].sort(compareEntries);
      this.dirty = false;
    }
    return this.sorted;
  }

  get(file: string): InboxEntry | undefined {
    return this.entries.get(file);
  }

  /**
   * Whether an entry still describes its file: a task claimed and put back under the same name between two
   * listings (by another worker) keeps its old entry, whose back-off, stage or landing may have changed.
   * An out-of-date entry is dropped, to be indexed afresh on the next refresh.
   */
  isCurrent(entry: InboxEntry): boolean {
    if (this.store.claims.snapshot(entry.id).highest === entry.gens) return true;
    this.remove(entry.file);
    return false;
  }

  /** Forget an entry (claimed here or by someone else). */
  remove(file: string): void {
    if (this.entries.delete(file)) this.dirty = true;
  }

  /**
   * Task files left out of the last refresh because their claim is live (moved back and not yet released,
   * or their claimer died between claim and move): not startable now, but still work to wait for.
   */
  get deferred(): number {
    return this.deferredFiles.size;
  }

  private readonly deferredFiles = new Set<string>();

  refresh(): RefreshResult {
    this.deferredFiles.clear();
    const names = this.store.list('inbox');
    const present = new Set(names);
    const result: RefreshResult = { added: [], removed: [], rejected: [] };
    for (const file of this.entries.keys()) {
      if (!present.has(file)) {
        this.remove(file);
        result.removed.push(file);
      }
    }
    const ids = new Map<string, string>();
    for (const entry of this.entries.values()) ids.set(entry.id, entry.file);
    for (const file of names.sort()) {
      if (this.entries.has(file) || !isTaskFileName(file)) continue;
      const outcome = this.admit(file, ids);
      if (outcome === undefined) continue;
      if ('problems' in outcome) {
        if (this.options.readOnly) {
          result.rejected.push({ file, problems: outcome.problems });
          continue;
        }
        const queueDir = path.relative(this.store.layout.repo, this.store.layout.queue) || '.';
        if (this.store.reject(file, (name) => formatRejection(name, outcome.problems, outcome.warnings, { queueDir })) !== undefined) {
          result.rejected.push({ file, problems: outcome.problems });
        }
        continue;
      }
      this.entries.set(file, outcome);
      ids.set(outcome.id, file);
      this.dirty = true;
      result.added.push(outcome);
    }
    return result;
  }

  /** A task back from an attempt may carry a back-off, or a held landing, in its last release record. */
  private lastRelease(id: string): Pick<InboxEntry, 'notBeforeMs' | 'held' | 'stage' | 'ready' | 'gens'> | undefined {
    const snap = this.store.claims.snapshot(id);
    if (snap.highest === 0) return { notBeforeMs: 0, held: false, gens: 0 };
    // Moved back, not yet released (a transition moves first): what it waits for is not written yet.
    if (snap.live !== undefined) return undefined;
    const release = this.store.claims.readRelease(id, snap.highest);
    const retryAfter = release?.retryAfter;
    const held = release?.outcome === 'held';
    // Ready to land, or put back ready after a lander stopped (a requeue keeps what the history says).
    if (release?.outcome === 'ready' || release?.outcome === 'requeued') {
      const history = this.store.claims.history(id);
      const pending = priorState(history).pendingLanding;
      if (pending?.kind === 'ready') {
        const since = history.find((h) => h.gen === pending.gen)?.release?.at ?? release.at;
        return { notBeforeMs: 0, held: false, stage: 'land', ready: { since, branch: pending.branch, ...(pending.shared ? { shared: pending.shared } : {}) }, gens: snap.highest };
      }
    }
    // Only a pipeline's releases name stages: the whole history is read for those alone.
    const stage = held && release?.stage === 'land' ? 'land' : release?.stage !== undefined ? priorState(this.store.claims.history(id)).stage : undefined;
    return { notBeforeMs: typeof retryAfter === 'string' ? Date.parse(retryAfter) || 0 : 0, held, ...(stage ? { stage } : {}), gens: snap.highest };
  }

  /** Check one new inbox file. undefined = skip for now (a folder, or gone already). */
  private admit(file: string, ids: Map<string, string>): InboxEntry | { problems: Problem[]; warnings: Problem[] } | undefined {
    const stat = this.store.stat('inbox', file);
    if (!stat) return undefined;
    if (stat.isSymbolicLink()) return { problems: [rejectionFor('symlink', file)], warnings: [] };
    if (!stat.isFile()) return undefined;
    const uid = this.options.uid ?? process.getuid?.() ?? 0;
    const unsafe = this.options.allowSharedQueue ? undefined : unsafeFileReason(stat, uid);
    if (unsafe) return { problems: [{ path: 'file', message: `refused: ${unsafe}. Pass --allow-shared-queue to accept such files.` }], warnings: [] };
    if (stat.size > MAX_TASK_FILE_BYTES) {
      return { problems: [{ path: 'file', message: `the file is ${stat.size} bytes; a task file may be at most ${MAX_TASK_FILE_BYTES} bytes (1 MiB). Put large material in the repository and name it in the prompt.` }], warnings: [] };
    }
    let content: Buffer;
    try {
      content = this.store.read('inbox', file);
    } catch {
      return undefined;
    }
    const parsed = parseTaskFile(file, content);
    if (!parsed.ok) return { problems: parsed.problems, warnings: parsed.warnings };
    const task = withInferredTouches(parsed.task);
    const twin = ids.get(task.id);
    if (twin !== undefined && twin !== file) return { problems: [rejectionFor('duplicate', `queue/${twin}`, task.id)], warnings: parsed.warnings };
    const existing = this.store.findById(task.id);
    if (existing) return { problems: [rejectionFor('duplicate', `queue/${existing.state}/${existing.file}`, task.id)], warnings: parsed.warnings };
    const last = this.lastRelease(task.id);
    if (!last) {
      this.deferredFiles.add(file);
      return undefined;
    }
    return { file, id: task.id, priority: task.priority, enqueuedMs: stat.mtimeMs, task, warnings: parsed.warnings, ...last };
  }
}

/** The name a task file gets from running/ on: its id with the original extension. */
export function idFileName(id: string, file: string): string {
  return id + path.extname(file).toLowerCase();
}
