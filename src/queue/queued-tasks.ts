import { parseTaskFile, MAX_TASK_FILE_BYTES } from '../task/parse.js';
import type { Task } from '../task/types.js';
import type { QueueStore } from './store.js';

/**
 * The valid tasks waiting in the inbox, parsed one at a time so a caller looking for one kind of
 * task reads no further than it needs. Reads only: invalid files are skipped, not moved (the
 * workers' index rejects them as usual).
 */
export function* queuedTasks(store: QueueStore): Generator<Task> {
  for (const file of store.taskFiles('inbox').sort()) {
    const stat = store.stat('inbox', file);
    if (!stat?.isFile() || stat.size > MAX_TASK_FILE_BYTES) continue;
    let content: Buffer;
    try {
      content = store.read('inbox', file);
    } catch {
      continue;
    }
    const parsed = parseTaskFile(file, content);
    if (parsed.ok) yield parsed.task;
  }
}
