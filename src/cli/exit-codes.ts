import { EXIT, isPlError } from '../errors.js';

/** Maps any thrown value to an exit code and the lines to print. The only place that decides exit codes. */
export function exitFor(err: unknown): { code: number; message: string; errorCode: string } {
  if (isPlError(err)) return { code: err.exitCode, message: err.message, errorCode: err.code };
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { code: EXIT.failure, message: `unexpected error: ${message}`, errorCode: 'INTERNAL' };
}
