import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export { EXIT, ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * One error base class for everything the tool reports to a person.
 * `code` is permanent (scripts and tests match on it); the message may change.
 * `exitCode` is the process exit status the code maps to in ERROR_CODES, so one code never exits two ways.
 */
export class PlError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlError';
    this.code = code;
    this.exitCode = ERROR_CODES[code].exit;
    this.details = options.details;
  }
}

export function isPlError(err: unknown): err is PlError {
  return err instanceof PlError;
}

/** The errno code of a Node system error, or undefined. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}
