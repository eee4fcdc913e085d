import { PlError } from '../errors.js';
import { addTask, taskFromPrompt, type PromptTask } from '../queue/add-task.js';
import { cancelTask } from '../queue/cancel-task.js';
import { retryAndRecord } from '../queue/retry.js';
import type { QueueStore } from '../queue/store.js';
import { describeKill, killTarget } from '../supervisor/kill-target.js';
import { checkTaskId } from '../task/id.js';

/** What an action answers: the command's own `--json` result and the line it prints. */
export interface ActionResult {
  ok: true;
  message: string;
  result: unknown;
}

/**
 * The page's buttons, each calling the function its CLI command calls, so an action from the page
 * and one from a terminal cannot differ. Errors are the commands' PlErrors, with their messages.
 * Cancel and kill return at once (the page follows what happens live), like `--wait-ms 0`.
 */
export async function runAction(store: QueueStore, action: string, target: string, body: Record<string, unknown>): Promise<ActionResult> {
  switch (action) {
    case 'retry': {
      const result = retryAndRecord(store, taskId(target));
      return { ok: true, message: `${target} is back in the queue as ${result.file}, with a fresh set of attempts`, result };
    }
    case 'cancel': {
      const report = await cancelTask(store, taskId(target), 0);
      return { ok: true, message: report.message, result: report };
    }
    case 'kill': {
      const results = await killTarget(store, target, 0);
      return { ok: true, message: results.map((r) => describeKill(store, r, false)).join('\n'), result: { killed: results, waited: false } };
    }
    case 'add': {
      const { fileName, content } = taskFromPrompt(store, promptTask(body));
      const added = addTask(store, fileName, content);
      return { ok: true, message: `added ${added.id} as ${added.name}`, result: added };
    }
    default:
      throw new PlError('BAD_OPTION', `No action \`${action}\`: expected retry, cancel, kill or add`);
  }
}

function taskId(id: string): string {
  const problem = checkTaskId(id);
  if (problem) throw new PlError('BAD_TASK_ID', problem);
  return id;
}

// The form's fields, named as `add`'s options; lists come as arrays or as text split on commas and
// new lines. Values stay text so the task validator names a wrong one as written, as `add` does.
function promptTask(body: Record<string, unknown>): PromptTask {
  const text = (k: string) => {
    const v = body[k];
    return typeof v === 'string' && v.trim() !== '' ? v : undefined;
  };
  const list = (k: string) => {
    const v = body[k];
    const items = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(/[\n,]/) : [];
    const kept = items.map((s) => s.trim()).filter(Boolean);
    return kept.length > 0 ? kept : undefined;
  };
  const prompt = text('prompt');
  if (!prompt) throw new PlError('BAD_OPTION', 'Expected a prompt: the task needs text for its agent');
  return {
    prompt,
    id: text('id'),
    title: text('title'),
    priority: text('priority'),
    agent: text('agent'),
    timeout: text('timeout'),
    maxAttempts: text('maxAttempts'),
    touches: list('touches'),
    dependsOn: list('dependsOn'),
    verify: text('verify'),
    run: text('run'),
    estimate: text('estimate'),
  };
}
