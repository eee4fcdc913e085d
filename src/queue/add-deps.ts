import { checkDependencies } from '../schedule/graph.js';
import { fileStem } from '../task/id.js';
import type { InboxIndex } from './inbox.js';
import type { QueueStore } from './store.js';
import type { Problem, Task } from '../task/types.js';

/**
 * Dependencies a new task would bring: unknown ids and cycles through the tasks already waiting.
 * Reported when the file is added, naming the tasks involved, so nothing waits forever.
 */
export function checkNewTaskDependencies(store: QueueStore, index: InboxIndex, task: Task): Problem[] {
  const waiting = index.ordered().map((e) => ({ id: e.id, dependsOn: e.task.dependsOn }));
  const known = new Set<string>();
  for (const state of ['running', 'done', 'failed'] as const) for (const name of store.taskFiles(state)) known.add(fileStem(name));
  const problems = checkDependencies([...waiting, { id: task.id, dependsOn: task.dependsOn }], known);
  // Only what involves the new task: older problems were the older files' to report.
  return problems.filter((p) => p.ids.includes(task.id)).map((p) => ({ path: 'dependsOn', message: p.message }));
}
