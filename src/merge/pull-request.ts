import fs from 'node:fs';
import path from 'node:path';
import { PlError } from '../errors.js';
import { authError, pushCommit, type PushOutcome } from '../git/remote.js';
import { refSafeId } from '../queue/layout.js';
import { runArgs } from '../proc/run-shell.js';
import { readJsonOrUndefined, writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { expandPrCommand, prBody, prUrlFrom } from './pr-command.js';

/**
 * `<state>/prs/<id>.json`, the one record of a task's pull request, written at each step so a crash at any
 * point is resumed without a second pull request: `pushed` after the branch is pushed, `creating` just
 * before the command runs, `url` once it printed one.
 */
export interface PrRecord {
  version: 1;
  task: string;
  remote: string;
  /** The remote branch, `pl/<id>`. */
  branch: string;
  base: string;
  /** The commit last pushed to `branch` by this tool. */
  pushed?: string;
  /** When the command was last started. */
  creating?: string;
  url?: string;
  openedAt?: string;
}

export interface PullRequestInput {
  repo: string;
  /** The folder of the records (Layout `prs`). */
  dir: string;
  remote: string;
  /** The branch the pull request goes into, e.g. `main`. */
  base: string;
  taskId: string;
  title: string;
  prompt: string;
  attempt: number;
  /** The commit to push: the attempt branch's tip. */
  commit: string;
  command: readonly string[];
  timeoutMs: number;
  killGraceMs?: number;
  /** Fault injection at `pr-pushed` (pushed, no pull request yet) and `pr-created` (the command succeeded, its URL not recorded). */
  fault?: (step: string) => void;
}

/** A pull request open for the task; `opened`: by this call (false: it existed, and the push updated it). */
export interface PullRequest {
  status: 'pr';
  url: string;
  branch: string;
  commit: string;
  opened: boolean;
}

/** The remote branch a task's pull request comes from. */
export function prBranch(taskId: string): string {
  return `pl/${refSafeId(taskId)}`;
}

export function readPrRecord(dir: string, taskId: string): PrRecord | undefined {
  const record = readJsonOrUndefined<PrRecord>(path.join(dir, `${taskId}.json`));
  return record && record.task === taskId ? record : undefined;
}

function writePrRecord(dir: string, record: PrRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(path.join(dir, `${record.task}.json`), record);
}

/**
 * Push the attempt's commit to `pl/<id>` on the remote and open one pull request for it. A task whose record
 * has a URL is never opened again (the push updates that pull request); a crash after the command started
 * and before its URL was recorded runs the command again, which `gh` answers with the existing pull
 * request's URL. The push is a fast-forward, or replaces only a commit this tool pushed there itself: a
 * person's commits on the branch are never overwritten. Throws `PR_FAILED` (the landing waits) or
 * `REMOTE_AUTH_FAILED` (landing stops).
 */
export async function openPullRequest(input: PullRequestInput): Promise<PullRequest> {
  const branch = prBranch(input.taskId);
  const known = readPrRecord(input.dir, input.taskId);
  await pushBranch(input, branch, known?.pushed);
  let record: PrRecord = { ...known, version: 1, task: input.taskId, remote: input.remote, branch, base: input.base, pushed: input.commit };
  writePrRecord(input.dir, record);
  if (record.url) return { status: 'pr', url: record.url, branch, commit: input.commit, opened: false };
  input.fault?.('pr-pushed');
  const bodyFile = path.join(input.dir, `${input.taskId}.body.md`);
  writeFileAtomic(bodyFile, prBody(input.taskId, input.prompt, input.attempt));
  record = { ...record, creating: new Date().toISOString() };
  writePrRecord(input.dir, record);
  const argv = expandPrCommand(input.command, { branch, base: input.base, title: input.title, bodyFile });
  const run = await runArgs(argv, { cwd: input.repo, env: { PL_TASK_ID: input.taskId, PL_PR_BRANCH: branch, PL_PR_BASE: input.base }, timeoutMs: input.timeoutMs, killGraceMs: input.killGraceMs });
  const found = run.timedOut ? undefined : prUrlFrom(run.output, run.exitCode);
  if (!found) {
    const why = run.ok ? 'printed no pull request URL' : run.why;
    throw new PlError('PR_FAILED', `The pull request command \`${argv[0]}\` for ${branch} ${why}: ${run.output.trim().slice(-2000)}`, { details: { argv, output: run.output } });
  }
  input.fault?.('pr-created');
  writePrRecord(input.dir, { ...record, url: found.url, openedAt: new Date().toISOString() });
  return { status: 'pr', url: found.url, branch, commit: input.commit, opened: !found.existing };
}

async function pushBranch(input: PullRequestInput, branch: string, ownPush: string | undefined): Promise<void> {
  const dst = `refs/heads/${branch}`;
  let pushed = await pushCommit(input.repo, { remote: input.remote, commit: input.commit, dst });
  // Not a fast-forward: replace the branch only while it holds what this tool pushed there last.
  if (pushed.kind === 'stale' && ownPush) pushed = await pushCommit(input.repo, { remote: input.remote, commit: input.commit, dst, lease: ownPush });
  refuse(pushed, input.remote, branch);
}

function refuse(pushed: PushOutcome, remote: string, branch: string): void {
  switch (pushed.kind) {
    case 'pushed':
      return;
    case 'auth':
      throw authError(remote, 'push', pushed.message);
    case 'stale':
      throw new PlError('PR_FAILED', `${remote} has commits on ${branch} that this run did not push there (${pushed.reason}); they are not overwritten. Merge or remove them, and the task's pull request is opened on the next try.`);
    case 'rejected':
      throw new PlError('PR_FAILED', `${remote} refused the push of ${branch}: ${pushed.reason}`);
    case 'unknown':
      throw new PlError('PR_FAILED', `The push of ${branch} to ${remote} failed: ${pushed.message}`);
  }
}
