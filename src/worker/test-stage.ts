import { git, runGit } from '../git/repo.js';
import { identityArgs } from '../git/identity.js';
import { runShellLine } from '../proc/run-shell.js';

/** Merging the target into the branch at the start of a test stage conflicted in `files`. */
export class TargetMergeConflict extends Error {
  constructor(
    readonly files: string[],
    readonly details: string,
  ) {
    super(`merging the target conflicted in ${files.join(', ')}`);
  }
}

/**
 * Merge the current target into the attempt's branch, in its worktree, so the tester tests what will
 * land. A conflict is aborted (the branch stays as it was) and thrown as TargetMergeConflict.
 */
export async function mergeTargetInto(worktree: string, targetRef: string, identityFrom: string, label = targetRef.replace(/^refs\/heads\//, '')): Promise<void> {
  const id = await identityArgs(identityFrom);
  const merged = await runGit(worktree, [...id, 'merge', '--no-edit', '--no-ff', '-m', `Merge ${label} for the test stage`, targetRef], { okCodes: [0, 1] });
  if (merged.exitCode === 0) return;
  const files = (await git(worktree, ['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
  await runGit(worktree, ['merge', '--abort'], { okCodes: [0, 128] });
  throw new TargetMergeConflict(files, merged.stdout.slice(-4000));
}

/** Files the branch changes against the target (added, changed, renamed; not deleted). */
export async function changedFiles(worktree: string, targetRef: string): Promise<string[]> {
  const out = await git(worktree, ['diff', '--name-only', '--diff-filter=d', '-z', `${targetRef}...HEAD`]);
  return out.split('\0').filter(Boolean);
}

/** `command` with `{changed}` replaced by the files, each shell-quoted. Pure. */
export function expandChanged(command: string, files: readonly string[]): string {
  return command.replaceAll('{changed}', files.map(shellQuote).join(' '));
}

export function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Run the test stage's command in the worktree; the output is what the next try is told. */
export async function runTestCommand(worktree: string, targetRef: string, command: string, options: { timeoutMs: number; killGraceMs?: number }): Promise<{ ok: boolean; output: string }> {
  const line = expandChanged(command, await changedFiles(worktree, targetRef));
  const run = await runShellLine(line, { cwd: worktree, env: { PL_STAGE: 'test' }, timeoutMs: options.timeoutMs, killGraceMs: options.killGraceMs });
  const end = run.timedOut ? run.why : `exit ${run.exitCode ?? run.signal ?? 'unknown'}`;
  return { ok: run.ok, output: `$ ${line}\n${run.output}\n(${end})` };
}
