import { PlError } from '../errors.js';

/** Trailer naming the task a landing commit brought in; its presence is what "landed" means. */
export const TASK_TRAILER = 'Parallel-Loop-Task';
/** Trailer naming the attempt whose work a commit holds, as `<task id>/<attempt>`: on landings and on commits made for an agent. */
export const ATTEMPT_TRAILER = 'Parallel-Loop-Attempt';
/** Trailer naming the task an undo commit reverted. */
export const REVERT_TRAILER = 'Parallel-Loop-Revert';

/** A task id must fit on one trailer line: control characters (newlines above all) would forge or break trailers. */
export function assertTrailerSafe(taskId: string): void {
  if (taskId === '' || /[\u0000-\u001f\u007f]/.test(taskId) || taskId !== taskId.trim()) {
    throw new PlError('INVALID_TASK', `Task id ${JSON.stringify(taskId)} cannot be written as a commit trailer: expected one line without control characters or surrounding spaces.`);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The `Parallel-Loop-Attempt` trailer line of one attempt of a task. */
export function attemptTrailer(taskId: string, attempt: number): string {
  return `${ATTEMPT_TRAILER}: ${taskId}/${attempt}`;
}

export interface LandingMessageInput {
  taskId: string;
  title?: string;
  attempt: number;
  branch: string;
  /** The task's prompt: a squash landing's body is its first paragraph. */
  prompt?: string;
}

function trailers(taskId: string, attempt: number): string {
  return `${TASK_TRAILER}: ${taskId}\n${attemptTrailer(taskId, attempt)}\n`;
}

/** Message of a landing merge: `Land task <id>: <title>`, a line naming the branch, and the trailers. */
export function landingMessage({ taskId, title, attempt, branch }: LandingMessageInput): string {
  const heading = title && oneLine(title) !== '' && oneLine(title) !== taskId ? `Land task ${taskId}: ${oneLine(title)}` : `Land task ${taskId}`;
  return `${heading}\n\nMerge branch ${branch} (attempt ${attempt}).\n\n${trailers(taskId, attempt)}`;
}

/** Message of a squash landing: the title as subject, the prompt's first paragraph as body, then the trailers. */
export function squashMessage({ taskId, title, attempt, prompt }: LandingMessageInput): string {
  const subject = (title && oneLine(title)) || taskId;
  const summary = firstParagraph(prompt ?? '', subject);
  return `${subject}\n\n${summary ? `${summary}\n\n` : ''}${trailers(taskId, attempt)}`;
}

/** The first paragraph of a Markdown prompt, skipping a heading that only repeats the title. */
export function firstParagraph(prompt: string, title: string): string {
  const paragraphs = prompt.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/).map((p) => p.trim()).filter(Boolean);
  const isTitle = (p: string) => /^#{1,6}\s/.test(p) && !p.includes('\n') && oneLine(p.replace(/^#+/, '').replace(/#+$/, '')) === title;
  return (paragraphs[0] !== undefined && isTitle(paragraphs[0]) ? paragraphs[1] : paragraphs[0]) ?? '';
}

/** Message of the commit that undoes a landing. */
export function revertMessage(taskId: string, landing: string): string {
  return `Revert task ${taskId}\n\nThis reverts the landing ${landing} of task ${taskId}.\n\n${REVERT_TRAILER}: ${taskId}\n`;
}

/** One commit from `git log -z --format=%H %P%n%B`. */
export interface LogRecord {
  sha: string;
  parents: string[];
  body: string;
}

/** The log format `parseLog` reads. */
export const LOG_FORMAT = '--format=%H %P%n%B';

export function parseLog(text: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const raw of text.split('\0')) {
    // git puts a newline between -z records after the first; the sha line itself never starts with one.
    const record = raw.replace(/^\n/, '');
    if (record === '') continue;
    const newline = record.indexOf('\n');
    const head = newline < 0 ? record : record.slice(0, newline);
    const [sha = '', ...parents] = head.split(' ').filter(Boolean);
    records.push({ sha, parents, body: newline < 0 ? '' : record.slice(newline + 1) });
  }
  return records;
}

/**
 * Whether the trailer block of a commit message (its last paragraph) holds the line `<key>: <value>`
 * exactly (ids may hold spaces or any letters). A line like it further up, e.g. in a prompt quoted in the
 * body, is no trailer.
 */
export function hasTrailer(body: string, key: string, value: string): boolean {
  const line = `${key}: ${value}`;
  const paragraphs = body.replace(/\r\n/g, '\n').trimEnd().split(/\n[ \t]*\n/);
  return (paragraphs.at(-1) ?? '').split('\n').some((l) => l === line);
}
