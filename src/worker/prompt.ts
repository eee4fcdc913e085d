import type { Task } from '../task/types.js';
import type { RetryNote } from '../lifecycle/records.js';

/**
 * The prompt an agent gets: the task's own text, a word on the changelog when the lander writes it, then
 * what went wrong before, if anything. Pure.
 */
export function buildPrompt(task: Task, notes: RetryNote[], extra: { attempt: number; maxAttempts: number; changelog?: string }): string {
  const parts = [task.prompt.trim()];
  if (extra.changelog) {
    parts.push('', `Do not edit ${extra.changelog}: the entry for this task is added when it lands, and changes to that file are left out.`);
  }
  if (notes.length > 0) {
    parts.push('', '---', `This is attempt ${extra.attempt} of ${extra.maxAttempts}. Earlier attempts of this task ended like this:`);
    for (const note of notes) {
      parts.push('', `Attempt ${note.attempt} (${note.stage ? `${note.stage}: ` : ''}${note.kind}):`, '```', note.text.trim().slice(-4000), '```');
    }
    const last = notes[notes.length - 1]!;
    if (last.kind === 'conflict') parts.push('', 'Your work now starts from the current target branch. Redo the change so it applies cleanly on top of it.');
    if (last.kind === 'verify-failed') parts.push('', 'Fix the change so the verify command passes.');
    if (last.kind === 'changes') parts.push('', `The ${last.stage ?? 'review'} asked for changes (notes above, also in the file named by $PL_FEEDBACK_FILE). Address them on this branch.`);
    if (last.kind === 'test-failed') parts.push('', 'Fix the change so the test command passes.');
  }
  return parts.join('\n') + '\n';
}
