import { identityArgs } from './identity.js';
import { PlError } from '../errors.js';
import { git, runGit } from './repo.js';
import { headCommit } from './ref-file.js';
import { attemptTrailer } from '../merge/trailers.js';

export interface AgentCommitInput {
  taskId: string;
  /** The task's title: the subject, so the history reads as the work it holds. */
  title: string;
  attempt: number;
  /** `leftover`: what a finished agent left uncommitted. `wip`: the work of an interrupted or failed attempt, for the next one to resume. */
  kind: 'leftover' | 'wip';
}

/**
 * Message of a commit made for an agent: the task's title as subject, and the task and attempt in a
 * `Parallel-Loop-Attempt` trailer. Never the `Parallel-Loop-Task` trailer: that one marks a landing.
 */
export function agentCommitMessage({ taskId, title, attempt, kind }: AgentCommitInput): string {
  const subject = oneLine(title) || oneLine(taskId);
  const body = kind === 'wip' ? `Unfinished work of attempt ${attempt}, kept for the next attempt to resume.` : `What the agent of attempt ${attempt} left uncommitted.`;
  return `${kind === 'wip' ? `WIP: ${subject}` : subject}\n\n${body}\n\n${attemptTrailer(taskId, attempt)}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export interface CommitLeftoversOptions {
  /** Paths (relative to the worktree root) never committed, e.g. files copied in by prepareWorktree that git does not ignore. */
  exclude?: string[];
  /** Folder whose git config gives the committer identity (the main repository: worktrees share its config). Default: the worktree. */
  identityFrom?: string;
}

/** One commit in this many of a process runs git's automatic maintenance (see maintenanceArgs). */
export const MAINTENANCE_EVERY = 16;
let commitsMade = 0;

/**
 * `git commit` runs `git maintenance run --auto` after each commit: one more process, a lock file and a count
 * of loose objects, 3-5 ms on an attempt's path for a check that finds nothing to do all but once in thousands
 * of commits. The first commit of a process and one in MAINTENANCE_EVERY after it keep it, so the repository
 * is still packed as git would (at gc.auto's 6,700 loose objects), a little later at most.
 */
function maintenanceArgs(): string[] {
  return commitsMade++ % MAINTENANCE_EVERY === 0 ? [] : ['-c', 'maintenance.auto=false'];
}

/**
 * Commit everything changed in a worktree (`git add -A`, so new files too; ignored files stay out).
 * Returns the new commit's sha, or undefined when nothing changed. Commit hooks are skipped (`--no-verify`):
 * this commit saves work that must not be lost, and a failing lint hook would lose it. Falls back to the
 * `parallel-loop` identity when the repository has none.
 */
export async function commitLeftovers(worktree: string, message: string, options: CommitLeftoversOptions = {}): Promise<string | undefined> {
  const pathspec = ['.', ...(await notIgnored(worktree, options.exclude ?? [])).map((p) => `:(exclude,literal)${p}`)];
  await git(worktree, ['add', '-A', '--', ...pathspec]);
  // Straight to the commit: an agent almost always leaves something, and git says itself when nothing is staged
  // (exit 1). Only then is the index asked, so a commit that failed for another reason is not taken for "nothing".
  const committed = await runGit(worktree, [...(await identityArgs(options.identityFrom ?? worktree)), ...maintenanceArgs(), 'commit', '--quiet', '--no-verify', '-m', message], { okCodes: [0, 1] });
  if (committed.exitCode === 1) {
    const { exitCode } = await runGit(worktree, ['diff', '--cached', '--quiet'], { okCodes: [0, 1] });
    if (exitCode === 0) return undefined;
    throw new PlError('GIT_FAILED', `git commit failed in ${worktree} (exit 1): ${(committed.stderr || committed.stdout).trim()}`, {
      details: { cwd: worktree, exitCode: 1, stderr: committed.stderr },
    });
  }
  return headCommit(worktree);
}

// `git add` fails ("paths are ignored") when an exclude pathspec names an ignored path; such a path
// stays out of the commit anyway, so only the paths git does not ignore are excluded explicitly.
async function notIgnored(worktree: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const { stdout } = await runGit(worktree, ['check-ignore', '-z', '--stdin'], { input: paths.join('\0'), okCodes: [0, 1] });
  const ignored = new Set(stdout.split('\0'));
  return paths.filter((p) => !ignored.has(p));
}

/** Whether the worktree's HEAD has commits that `base` does not contain. */
export async function hasCommitsSince(worktree: string, base: string): Promise<boolean> {
  const count = await git(worktree, ['rev-list', '--count', `${base}..HEAD`]);
  return Number(count) > 0;
}
