import { ERROR_CODES, isPlError, type ErrorCode } from '../errors.js';

/** Maps any thrown value to an exit code and the lines to print, by the error's code in ERROR_CODES. The only place that decides exit codes. */
export function exitFor(err: unknown): { code: number; message: string; errorCode: ErrorCode } {
  if (isPlError(err)) return { code: ERROR_CODES[err.code].exit, message: err.message, errorCode: err.code };
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { code: ERROR_CODES.INTERNAL.exit, message: `unexpected error: ${message}`, errorCode: 'INTERNAL' };
}
