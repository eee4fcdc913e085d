import { pathsConflict } from '../schedule/globs.js';
import { parseTaskFile } from '../task/parse.js';
import type { InboxEntry, InboxIndex } from '../queue/inbox.js';
import type { QueueStore } from '../queue/store.js';

interface SelectHost {
  readonly store: QueueStore;
  emit(event: { type: 'failed'; task: string; reason: string }): void;
}

const runningTouches = new Map<string, string[]>();

/** `touches` of the tasks running now, from running/ (parsed once per file name). */
function running(store: QueueStore): Array<{ id: string; touches: string[] }> {
  const names = store.list('running');
  const seen = new Set(names);
  for (const name of runningTouches.keys()) if (!seen.has(name)) runningTouches.delete(name);
  const result: Array<{ id: string; touches: string[] }> = [];
  for (const name of names) {
    let touches = runningTouches.get(name);
    if (touches === undefined) {
      try {
        const parsed = parseTaskFile(name, store.read('running', name));
        touches = parsed.ok ? parsed.task.touches : [];
      } catch {
        touches = [];
      }
      runningTouches.set(name, touches);
    }
    result.push({ id: name, touches });
  }
  return result;
}

/**
 * The first inbox task, in selection order, that may start now: its back-off has passed, its
 * dependencies are done, and its `touches` overlap no running task's. A task whose dependency failed
 * is moved to failed/ here with that reason (returned as `{ fail: true }` so the loop looks again).
 */
export function selectTask(host: SelectHost, index: InboxIndex, now: number): InboxEntry | { fail: true } | undefined {
  const { store } = host;
  let busy: Array<{ id: string; touches: string[] }> | undefined;
  for (const entry of index.ordered()) {
    if (entry.notBeforeMs > now) continue;
    const deps = entry.task.dependsOn;
    if (deps.length > 0) {
      const failedDep = deps.find((d) => store.findById(d, ['failed']));
      if (failedDep) {
        failDependent(host, index, entry, failedDep);
        return { fail: true };
      }
      if (!deps.every((d) => store.findById(d, ['done']))) continue;
    }
    if (entry.task.touches.length > 0) {
      busy ??= running(store);
      if (busy.some((r) => pathsConflict(entry.task.touches, r.touches).conflict)) continue;
    }
    return entry;
  }
  return undefined;
}

function failDependent(host: SelectHost, index: InboxIndex, entry: InboxEntry, dep: string): void {
  const reason = `dependency \`${dep}\` failed (see queue/failed/${dep}.error.json); fix it and \`parallel-loop retry ${dep}\`, then retry this task`;
  index.remove(entry.file);
  try {
    const name = host.store.move(entry.file, 'inbox', 'failed', entry.id + entry.file.slice(entry.file.lastIndexOf('.')).toLowerCase());
    host.store.writeRecord('failed', `${entry.id}.error.json`, { task: entry.id, reason, dependency: dep, file: name, at: new Date().toISOString() });
    host.emit({ type: 'failed', task: entry.id, reason });
  } catch {
    // Another worker moved it first; it is handled there.
  }
}
