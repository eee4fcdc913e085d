import type { Task } from '../task/types.js';
import { inferTouches } from './infer-touches.js';

/**
 * The task as the scheduler sees it: a task that declares no `touches` gets the paths its prompt
 * names, marked `touchesInferred`, so two prompts about `src/a.ts` do not run at once. Declared
 * touches are kept as written. Pure; returns the same object when nothing changes.
 */
export function withInferredTouches(task: Task): Task {
  if (task.touches.length > 0) return task;
  const inferred = inferTouches(task.prompt);
  return inferred.length === 0 ? task : { ...task, touches: inferred, touchesInferred: true };
}
