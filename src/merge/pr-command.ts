/** The placeholders `prCommand`'s arguments may hold. */
export const PR_PLACEHOLDERS = ['<branch>', '<base>', '<title>', '<body-file>'] as const;

/** The command `land: pr` runs when `prCommand` is not set and `gh` is on PATH. */
export const DEFAULT_PR_COMMAND: readonly string[] = ['gh', 'pr', 'create', '--head', '<branch>', '--base', '<base>', '--title', '<title>', '--body-file', '<body-file>'];

/** What is wrong with a `prCommand` value that is an array of strings (the option table checks that much). */
export function prCommandProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0 || value[0] === '') return 'a non-empty array of strings whose first is the program';
  return undefined;
}

export interface PrValues {
  branch: string;
  base: string;
  title: string;
  bodyFile: string;
}

/**
 * The command with its placeholders filled in, argument by argument (a title full of quotes or `;` stays one
 * argument: nothing here is ever a shell line). Pure.
 */
export function expandPrCommand(template: readonly string[], values: PrValues): string[] {
  const by: Record<(typeof PR_PLACEHOLDERS)[number], string> = { '<branch>': values.branch, '<base>': values.base, '<title>': values.title, '<body-file>': values.bodyFile };
  // One pass, so a title that itself holds `<branch>` is not expanded again.
  return template.map((arg) => arg.replace(/<branch>|<base>|<title>|<body-file>/g, (m) => by[m as keyof typeof by]));
}

/**
 * The pull request's URL in what the command printed: the last http(s) URL on its output (gh prints only
 * that). `existing`: the command refused because a pull request for the branch exists already and named it,
 * as `gh pr create` does ("a pull request for branch … already exists: <url>"). Pure.
 */
export function prUrlFrom(output: string, exitCode: number | null): { url: string; existing: boolean } | undefined {
  const urls = output.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
  const url = urls.at(-1)?.replace(/[.,;)]+$/, '');
  if (!url) return undefined;
  if (exitCode === 0) return { url, existing: /already exists/i.test(output) };
  return /already exists/i.test(output) ? { url, existing: true } : undefined;
}

/** The pull request's body: the task's prompt, then the trailer that names the task (so the merged PR is found like a landing). Pure. */
export function prBody(taskId: string, prompt: string, attempt: number): string {
  return `${prompt.trim()}\n\n---\nOpened by parallel-loop for task \`${taskId}\` (attempt ${attempt}).\n\nParallel-Loop-Task: ${taskId}\n`;
}
