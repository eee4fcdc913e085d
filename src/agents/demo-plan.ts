/** What the demo agent will do for a prompt. */
export interface DemoPlan {
  /** Repository-relative path to write. */
  file: string;
  content: string;
  /** Append to the file instead of replacing it. */
  append: boolean;
  /** The prompt asked the demo agent to fail (`demo:fail`), to show retries. */
  fail: boolean;
}

// `Create notes/a.md with some text`, `Write docs/x.md: text`, `Append to log.md: a line`.
const ACTION = /^\s*(create|write|append to)\s+`?([^\s`:]+)`?(?:\s*(?::|\bwith\b|\bcontaining\b)\s*(.*))?$/im;

/** Whether a path stays inside the worktree: relative, no `..`, no `.git`. */
function isSafeRelative(file: string): boolean {
  if (file.startsWith('/') || file.includes('\\')) return false;
  const parts = file.split('/');
  return parts.every((part) => part !== '..' && part !== '' && part !== '.git');
}

/**
 * The demo agent's plan for a prompt. A line `Create|Write|Append to <path> [with <text>]`
 * names the file; otherwise it writes `demo/<task id>.md` holding the prompt. Pure.
 */
export function planDemoEdit(prompt: string, taskId: string): DemoPlan {
  const fail = /\bdemo:fail\b/.test(prompt);
  const match = ACTION.exec(prompt);
  if (match && isSafeRelative(match[2]!)) {
    const text = match[3]?.trim();
    return { file: match[2]!, content: `${text || prompt.trim()}\n`, append: match[1]!.toLowerCase() === 'append to', fail };
  }
  const safeId = taskId.replace(/[^\w.-]+/g, '-');
  return { file: `demo/${safeId}.md`, content: `# ${taskId}\n\n${prompt.trim()}\n`, append: false, fail };
}
