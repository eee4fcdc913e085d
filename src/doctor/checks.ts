import fs from 'node:fs';
import path from 'node:path';
import { PlError } from '../errors.js';
import { currentBranch, parseGitVersion, revParse, runGit, versionAtLeast } from '../git/repo.js';
import { remoteTarget, resolveTargetSpec } from '../merge/target.js';
import { targetCheckouts } from '../merge/checkout.js';
import { checkHardLinks, checkQueuePermissions } from '../queue/preflight.js';
import type { Layout } from '../queue/layout.js';
import type { RunOptions } from '../config/options.js';
import type { Check } from './check.js';

const MIN_GIT = '2.38';
const LOW_DISK_BYTES = 1024 ** 3;

export async function checkGitVersion(land: RunOptions['land']): Promise<Check> {
  const name = 'git';
  const result = await runGit(process.cwd(), ['--version']).catch(() => undefined);
  const version = result && parseGitVersion(result.stdout);
  if (!version) return { name, status: 'fail', message: 'git could not be run', fix: `install git ${MIN_GIT} or newer and put it on PATH` };
  const shown = version.join('.');
  if (versionAtLeast(version, MIN_GIT)) return { name, status: 'ok', message: `git ${shown} (landing needs ${MIN_GIT} or newer)` };
  // Only landing by merge needs `merge-tree --write-tree`; keeping branches works with older git.
  return {
    name,
    status: land === 'merge' ? 'fail' : 'warn',
    message: `git ${shown} is older than ${MIN_GIT}, which landing needs for \`git merge-tree --write-tree\``,
    fix: `upgrade git to ${MIN_GIT} or newer, or keep each attempt's branch instead of merging: parallel-loop config set land branch`,
  };
}

/** A git repository with at least one commit: worktrees start from a commit. */
export async function checkRepo(repo: string): Promise<Check> {
  const name = 'repository';
  if (!fs.existsSync(repo)) return { name, status: 'fail', message: `${repo} does not exist`, fix: 'pass --repo <dir> naming your repository' };
  const inside = await runGit(repo, ['rev-parse', '--show-toplevel'], { okCodes: [0, 128] });
  if (inside.exitCode !== 0) {
    return { name, status: 'fail', message: `${repo} is not a git repository`, fix: `run \`git init && git commit --allow-empty -m init\` in ${repo}, or pass --repo <dir>` };
  }
  if (!(await revParse(repo, 'HEAD'))) return { name, status: 'fail', message: `${repo} has no commit yet`, fix: 'commit once (git commit --allow-empty -m init); attempts start from a commit' };
  return { name, status: 'ok', message: `git repository at ${inside.stdout.trim()}` };
}

/** The branch work lands on, and whether its checkouts are clean (a dirty one holds landings). */
export async function checkTarget(repo: string, options: RunOptions): Promise<Check[]> {
  const target = options.target ?? (await currentBranch(repo));
  if (!target) return [{ name: 'target', status: 'fail', message: 'HEAD is detached, so there is no branch to land on', fix: 'check out a branch, or: parallel-loop config set target main' }];
  const remote = await remoteCheck(repo, target, options);
  if (remote) return [remote];
  if (!(await revParse(repo, `refs/heads/${target}`))) {
    return [{ name: 'target', status: 'fail', message: `the target branch \`${target}\` does not exist`, fix: `create it (git branch ${target}) or: parallel-loop config unset target` }];
  }
  const checks: Check[] = [{ name: 'target', status: 'ok', message: `tasks land on \`${target}\`` }];
  for (const worktree of await targetCheckouts(repo, target)) {
    const status = await runGit(worktree, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], { okCodes: [0, 128] });
    if (status.exitCode === 0 && status.stdout.trim() === '') {
      checks.push({ name: 'checkout', status: 'ok', message: `${worktree} (on ${target}) is clean` });
    } else {
      checks.push({
        name: 'checkout',
        status: 'warn',
        message: `${worktree} has \`${target}\` checked out with uncommitted changes: landing will hold tasks until it is clean`,
        fix: `commit or stash them, or let landings move the branch without touching that checkout: parallel-loop config set dirtyTarget land-ref`,
      });
    }
  }
  return checks;
}

/** A target on a remote: whether its branch can be fetched here (the push is tried only by a landing). Undefined for a local target. */
async function remoteCheck(repo: string, target: string, options: RunOptions): Promise<Check | undefined> {
  try {
    const spec = await resolveTargetSpec(repo, target, options.remote);
    if (spec.remote === undefined) return undefined;
    const { tip } = await remoteTarget(repo, spec.remote, spec.branch).readTip();
    return { name: 'target', status: 'ok', message: `tasks land on \`${spec.remote}/${spec.branch}\` (at ${tip.slice(0, 12)} there), pushed with a lease on the tip each landing merged onto` };
  } catch (err) {
    return { name: 'target', status: 'fail', message: err instanceof Error ? err.message : String(err), fix: 'make `git fetch <remote> <branch>` work here (remote, credentials), or: parallel-loop config unset remote' };
  }
}

/** The state folder must not show up in `git status` (agents run `git add -A` in worktrees). */
export async function checkStateIgnored(layout: Layout): Promise<Check> {
  const name = 'state folder';
  const rel = path.relative(layout.repo, layout.state);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { name, status: 'ok', message: `${layout.state} is outside the repository` };
  const ignored = await runGit(layout.repo, ['check-ignore', '--quiet', '--', `${rel.split(path.sep).join('/')}/`], { okCodes: [0, 1, 128] });
  if (ignored.exitCode === 0) return { name, status: 'ok', message: `${rel}/ is ignored by git` };
  return {
    name,
    status: 'warn',
    message: `${rel}/ is not ignored by git yet (\`run\` adds it to .git/info/exclude, except with --in-place)`,
    fix: `echo '/${rel}/' >> .git/info/exclude`,
  };
}

/** Claims are hard links: probe where the state folder is (or would be created). */
export function checkLinks(layout: Layout): Check {
  let dir = layout.state;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    checkHardLinks(dir);
    return { name: 'hard links', status: 'ok', message: `hard links work in ${dir}` };
  } catch (err) {
    return { name: 'hard links', status: 'fail', message: messageOf(err), fix: 'put the state folder on a local filesystem (ext4, xfs, apfs): --state <dir>' };
  }
}

export function checkQueue(layout: Layout, allowShared: boolean): Check {
  const name = 'queue';
  if (!fs.existsSync(layout.queue)) return { name, status: 'ok', message: `${layout.queue} does not exist yet; \`add\` and \`run\` create it` };
  try {
    checkQueuePermissions(layout, allowShared);
    fs.accessSync(layout.queue, fs.constants.W_OK | fs.constants.R_OK);
    return { name, status: 'ok', message: `${layout.queue} is yours and only yours to write` };
  } catch (err) {
    return { name, status: 'fail', message: messageOf(err), fix: `chmod go-w,u+rwx ${layout.queue}` };
  }
}

/** Free space where worktrees go: every attempt checks out the repository once more. */
export function checkDisk(layout: Layout): Check {
  let dir = layout.worktrees;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const stats = fs.statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  const gib = (free / 1024 ** 3).toFixed(1);
  if (free >= LOW_DISK_BYTES) return { name: 'disk', status: 'ok', message: `${gib} GiB free for worktrees in ${dir}` };
  return { name: 'disk', status: 'warn', message: `only ${gib} GiB free in ${dir}; each attempt's worktree is a full checkout`, fix: 'free some space, or remove landed worktrees (the cleanup setting does this by default)' };
}

function messageOf(err: unknown): string {
  return err instanceof PlError || err instanceof Error ? err.message : String(err);
}
