import type { Problem } from './types.js';

export interface RejectionOptions {
  /** The queue folder as the person sees it, for the `mv` command shown. Default `queue`. */
  queueDir?: string;
}

/**
 * The text of `<file>.error.txt`, written next to a rejected task file: which file, every problem
 * as `path: message`, how to put the file back, then any warnings.
 */
export function formatRejection(fileName: string, problems: Problem[], warnings: Problem[], options: RejectionOptions = {}): string {
  const queue = (options.queueDir ?? 'queue').replace(/\/+$/, '');
  const lines = [
    `The task file ${fileName} was not accepted, so it was moved to ${queue}/rejected/.`,
    '',
    problems.length === 1 ? 'Problem:' : `Problems (${problems.length}):`,
    ...(problems.length === 0 ? ['  (none recorded)'] : problems.map(formatProblem)),
    '',
    'How to fix: edit the file to correct the problems above, then move it back into the queue,',
    'where it is read again:',
    '',
    `  mv ${shellQuote(`${queue}/rejected/${fileName}`)} ${shellQuote(`${queue}/`)}`,
    '',
    `This note (${fileName}.error.txt) only explains the rejection; delete it once the task is fixed.`,
  ];
  if (warnings.length > 0) lines.push('', 'Warnings (these alone would not stop the task):', ...warnings.map(formatProblem));
  return `${lines.join('\n')}\n`;
}

/** Warnings of an accepted task file, one line each as `<file>: warning: path: message`; '' when there are none. */
export function formatWarnings(fileName: string, warnings: Problem[]): string {
  return warnings.map((w) => `${fileName}: warning: ${w.path}: ${oneLine(w.message)}`).join('\n');
}

/**
 * The problem for a rejection the queue store finds (it needs the file system, the parser does not),
 * worded like the parser's own problems.
 * @param detail symlink: the file name; duplicate: where the id is already used, e.g.
 *   `queue/done/x.md`; unreadable: the error, e.g. `EACCES: permission denied`.
 * @param id duplicate only: the id that is taken, named in the message when given.
 */
export function rejectionFor(kind: 'symlink' | 'duplicate' | 'unreadable', detail: string, id?: string): Problem {
  switch (kind) {
    case 'symlink':
      return {
        path: 'file',
        message: `\`${detail}\` is a symbolic link; the queue takes only regular files, because a link could make it read, move or run a file outside the queue. Replace the link with a copy of the file it points to.`,
      };
    case 'duplicate':
      return {
        path: 'id',
        message: `${id === undefined ? 'The id of this task' : `id \`${id}\``} is already used by ${detail}; give this task another id (set \`id:\` in the frontmatter) or remove the old one with \`parallel-loop clean\`.`,
      };
    case 'unreadable':
      return {
        path: 'file',
        message: `The file could not be read (${detail}). Make it readable to you (e.g. \`chmod u+r\`), then move it back into the queue.`,
      };
  }
}

function formatProblem(problem: Problem): string {
  return `  ${problem.path}: ${problem.message.replace(/\n/g, '\n    ')}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

// The command is meant to be pasted into a shell, and file names may hold spaces or quotes.
function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
