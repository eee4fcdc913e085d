import { currentBranch, runGit } from '../git/repo.js';
import { attemptLogs } from '../queue/attempt-logs.js';
import { locateTask } from '../queue/cancel.js';
import type { TaskState } from '../queue/layout.js';
import { TASK_EXTENSIONS, type QueueStore } from '../queue/store.js';
import { parseTaskFile } from '../task/parse.js';
import { fileStem } from '../task/id.js';
import type { TitleOf } from './board.js';

/**
 * Titles of task files, read once per file and version: a card's title is its file's, and a board
 * pass reads at most the hundred or so files it shows, each only when it changed.
 */
export class Titles {
  private cache = new Map<string, { mtimeMs: number; title: string | null }>();

  constructor(private readonly store: QueueStore) {}

  /**
   * A TitleOf for one pass. A file named after its id is found by a stat or three; one named otherwise
   * (a writer's own name in the inbox) shows no title rather than cost a read of the whole inbox.
   */
  reader(): TitleOf {
    return (id, state) => {
      for (const ext of TASK_EXTENSIONS) if (this.store.stat(state, id + ext)) return this.title(state, id + ext);
      return null;
    };
  }

  title(state: TaskState, file: string): string | null {
    const key = `${state}/${file}`;
    const mtimeMs = this.store.stat(state, file)?.mtimeMs;
    if (mtimeMs === undefined) return null;
    const hit = this.cache.get(key);
    if (hit && hit.mtimeMs === mtimeMs) return hit.title;
    let title: string | null = null;
    try {
      const parsed = parseTaskFile(file, this.store.read(state, file));
      title = parsed.ok ? parsed.task.title : null;
    } catch {
      // Moved meanwhile: no title this pass.
    }
    if (this.cache.size > 5000) this.cache.clear();
    this.cache.set(key, { mtimeMs, title });
    return title;
  }
}

/** One page of the tasks in a state folder, by id: how Done and Queued show more than the board holds. */
export function taskPage(store: QueueStore, titles: Titles, state: TaskState, offset: number, limit: number): { state: TaskState; total: number; offset: number; tasks: Array<{ id: string; title: string | null }> } {
  const files = store.taskFiles(state).sort();
  const tasks = files.slice(offset, offset + limit).map((file) => ({ id: fileStem(file), title: titles.title(state, file) }));
  return { state, total: files.length, offset, tasks };
}

/** An attempt of a task as its claim history tells it. */
export interface AttemptDetail {
  gen: number;
  agent: string | null;
  claimedAt: string | null;
  outcome: string | null;
  at: string | null;
  attempt: number | null;
  durationMs: number | null;
  costUsd: number | null;
  reason: string | null;
  /** What the attempt left for the next one (the note in the next prompt). */
  note: string | null;
  branch: string | null;
  commit: string | null;
  /** The pull request a `land: pr` landing opened. */
  url: string | null;
  hasLog: boolean;
}

/** `/api/tasks/<id>`: the task file's fields and prompt, and every generation of its claim history. */
export interface TaskDetail {
  id: string;
  state: TaskState;
  file: string;
  title: string | null;
  prompt: string | null;
  /** Fields of the task file; `env` values are not sent, only its names. */
  fields: Record<string, unknown>;
  problems: string[];
  attempts: AttemptDetail[];
}

export function taskDetail(store: QueueStore, id: string): TaskDetail | undefined {
  const where = locateTask(store, id);
  if (!where) return undefined;
  let parsed: ReturnType<typeof parseTaskFile> | undefined;
  try {
    parsed = parseTaskFile(where.file, store.read(where.state, where.file));
  } catch {
    parsed = undefined;
  }
  const task = parsed?.ok ? parsed.task : undefined;
  const withLog = new Set(attemptLogs(store, id).map((l) => l.gen));
  const attempts = store.claims.history(id).map(({ gen, lease, release }): AttemptDetail => {
    const r = (release ?? {}) as Record<string, unknown>;
    const landing = r.landing as { commit?: unknown; url?: unknown } | undefined;
    const note = r.note as { text?: unknown } | undefined;
    return {
      gen,
      agent: lease?.agentId ?? str(r.agentId),
      claimedAt: lease?.claimedAt ?? null,
      outcome: release?.outcome ?? (store.claims.snapshot(id).live === gen ? 'running' : null),
      at: release?.at ?? null,
      attempt: num(r.attempt),
      durationMs: num(r.durationMs),
      costUsd: num((r.usage as { costUsd?: unknown } | undefined)?.costUsd),
      reason: str(r.reason),
      note: str(note?.text),
      branch: str(r.branch),
      commit: str(landing?.commit),
      url: str(landing?.url),
      hasLog: withLog.has(gen),
    };
  });
  const fields: Record<string, unknown> = {};
  if (task) {
    const { prompt: _prompt, title: _title, env, ...rest } = task;
    Object.assign(fields, rest, { env: Object.keys(env) });
  }
  return {
    id,
    state: where.state,
    file: where.file,
    title: task?.title ?? null,
    prompt: task?.prompt ?? null,
    fields,
    problems: parsed && !parsed.ok ? parsed.problems.map((p) => `${p.path}: ${p.message}`) : [],
    attempts,
  };
}

/** Diffs bigger than this are cut: the page is for a look, `git diff` is for the whole. */
const MAX_DIFF_BYTES = 512 * 1024;

/**
 * The diff of a task's newest branch against the target (`git diff target...branch`: what the branch
 * adds since it forked), or of its landed commit once the branch is gone.
 */
export async function taskDiff(store: QueueStore, detail: TaskDetail, target: string | undefined): Promise<{ ref: string | null; diff: string; truncated: boolean }> {
  const repo = store.layout.repo;
  const newest = [...detail.attempts].reverse();
  const branch = newest.find((a) => a.branch)?.branch ?? null;
  const base = target ?? (await currentBranch(repo)) ?? 'HEAD';
  let res = branch ? await runGit(repo, ['diff', '--no-color', '--no-ext-diff', `${base}...${branch}`], { okCodes: [0, 128] }) : undefined;
  let ref = branch;
  if (!res || res.exitCode !== 0) {
    const commit = newest.find((a) => a.commit)?.commit ?? null;
    if (!commit) return { ref: null, diff: '', truncated: false };
    res = await runGit(repo, ['show', '--no-color', '--no-ext-diff', '--format=', '--first-parent', commit], { okCodes: [0, 128] });
    ref = commit;
    if (res.exitCode !== 0) return { ref: null, diff: '', truncated: false };
  }
  const truncated = res.stdout.length > MAX_DIFF_BYTES;
  return { ref, diff: truncated ? res.stdout.slice(0, MAX_DIFF_BYTES) : res.stdout, truncated };
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
