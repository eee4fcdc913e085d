import { PlError } from '../errors.js';
import { revParse, runGit } from '../git/repo.js';

export interface CasInput {
  repo: string;
  /** Full ref name, e.g. `refs/heads/main`. */
  ref: string;
  old: string;
  next: string;
  /** Reflog message. */
  reason: string;
  /** A ref created in the same transaction, pointing at `old`, so the move can be undone by hand. */
  backupRef?: string;
}

/**
 * Move `ref` from `old` to `next` only if it still points at `old` (one `git update-ref --stdin` transaction,
 * backup ref included: both or neither). Returns false when another writer got there first, or holds the
 * ref's lock this instant; the caller re-reads the tip and tries again. Other failures throw `GIT_FAILED`.
 */
export async function compareAndSwapRef(input: CasInput): Promise<boolean> {
  const lines = [`update ${input.ref} ${input.next} ${input.old}`];
  if (input.backupRef) lines.push(`create ${input.backupRef} ${input.old}`);
  const result = await runGit(input.repo, ['update-ref', '-m', input.reason, '--stdin'], { input: lines.join('\n') + '\n', okCodes: [0, 1, 128] });
  if (result.exitCode === 0) return true;
  const now = await revParse(input.repo, input.ref);
  if (now !== input.old) return false;
  if (/\.lock'?: File exists|cannot lock ref|Unable to create/i.test(result.stderr)) return false;
  throw new PlError('GIT_FAILED', `git update-ref ${input.ref} ${input.next} ${input.old} failed in ${input.repo}: ${result.stderr.trim()}`, {
    details: { ...input, stderr: result.stderr },
  });
}

/** Wait after a lost race: full jitter, growing from a few ms to 100 ms, so contenders spread out. */
export function backoff(tries: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 ** tries)));
}

/** The `maxTries` option, checked: a positive integer, 20 when not given. */
export function triesOption(value: unknown): number {
  if (value === undefined) return 20;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new PlError('BAD_OPTION', `Expected the \`maxTries\` option to be a positive integer, got \`${String(value)}\` (${typeof value}).`);
}
