import { stringify } from 'yaml';

/** Fields `parallel-loop add` may set, in the order they are written. */
export interface ComposeInput {
  id?: string;
  title?: string;
  priority?: number | string;
  agent?: string;
  timeout?: string | number;
  maxAttempts?: number | string;
  touches?: string[];
  dependsOn?: string[];
  verify?: string;
  run?: string;
  estimate?: string | number;
  env?: Record<string, string>;
}

/** A Markdown task file: YAML frontmatter of the given fields, then the prompt. Pure. */
export function composeTaskFile(prompt: string, fields: ComposeInput): string {
  const front = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  const body = prompt.trim() + '\n';
  if (Object.keys(front).length === 0) return body;
  return `---\n${stringify(front).trimEnd()}\n---\n${body}`;
}

/** An id made from the prompt's first words: lowercase ASCII letters and digits joined by dashes. */
export function slugFromPrompt(prompt: string): string {
  const words = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .slice(0, 6);
  return (words.join('-') || 'task').slice(0, 60);
}
