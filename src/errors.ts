/**
 * One error base class for everything the tool reports to a person.
 * `code` is permanent (scripts and tests match on it); the message may change.
 * `exitCode` is the process exit status the CLI maps it to (see cli/exit-codes.ts).
 */
export class PlError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly details?: unknown;

  constructor(code: string, message: string, options: { exitCode?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.details = options.details;
  }
}

/** Exit codes, in one place. Documented in README "Exit codes". */
export const EXIT = {
  ok: 0,
  /** Work ran but some task failed, or a check found problems. */
  failure: 1,
  /** The command line was wrong (unknown option, bad value). */
  usage: 2,
  /** Input files were invalid (a task file, a config file). */
  invalidInput: 3,
  /** The environment refuses: no hard links, unsafe permissions, not a git repo, git too old. */
  environment: 4,
  /** Something was not found: a task, an agent, a file. */
  notFound: 5,
  /** Stopped by a signal before finishing. */
  interrupted: 130,
} as const;

export function isPlError(err: unknown): err is PlError {
  return err instanceof PlError;
}

/** The errno code of a Node system error, or undefined. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}
