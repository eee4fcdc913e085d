import { PlError } from '../errors.js';

/** Trailer naming the task a landing commit brought in; its presence is what "landed" means. */
export const TASK_TRAILER = 'Parallel-Loop-Task';
/** Trailer naming the attempt (generation) whose branch was landed. */
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

export interface LandingMessageInput {
  taskId: string;
  title?: string;
  attempt: number;
  branch: string;
}

/** Message of a landing merge: `Land task <id>: <title>`, a line naming the branch, and the trailers. */
export function landingMessage({ taskId, title, attempt, branch }: LandingMessageInput): string {
  const heading = title && oneLine(title) !== '' && oneLine(title) !== taskId ? `Land task ${taskId}: ${oneLine(title)}` : `Land task ${taskId}`;
  return `${heading}\n\nMerge branch ${branch} (attempt ${attempt}).\n\n${TASK_TRAILER}: ${taskId}\n${ATTEMPT_TRAILER}: ${attempt}\n`;
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

/** Whether a commit message holds the trailer line `<key>: <value>` exactly (ids may hold spaces or any letters). */
export function hasTrailer(body: string, key: string, value: string): boolean {
  const line = `${key}: ${value}`;
  return body.split('\n').some((l) => l.replace(/\r$/, '') === line);
}
