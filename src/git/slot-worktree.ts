import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PlError } from '../errors.js';
import { attemptBranch, type Layout } from '../queue/layout.js';
import { withOwnedLock, type OwnedLockOptions } from './owned-lock.js';
import { git, revParse, runGit } from './repo.js';
import { lockWorktrees, removeAttemptWorktree, type AttemptWorktreeOptions, type RemovedWorktree } from './worktree.js';
import { findWorktree, listWorktrees } from './worktree-list.js';
import { headBranchFile } from './ref-file.js';

/**
 * The git side of an agent slot's warm worktree (`worktrees: warm`): one worktree per slot, switched from
 * attempt to attempt instead of added and removed per attempt. The worker's side (what the slot held, when
 * to run `setup`) is in worker/warm-worktree.ts.
 */

/**
 * Run `fn` holding the lock of one slot's worktree. Switching the worktree to a new attempt and committing
 * what an attempt left in it (its own worker, or a reclaimer) take turns here, so a commit never lands on
 * the branch of the attempt that came next. A holder killed inside it is taken over at once (see withOwnedLock).
 */
export function withSlotLock<T>(layout: Layout, agentId: string, fn: () => Promise<T>, lock?: OwnedLockOptions): Promise<T> {
  // Beside the worktrees, like the worktree lock: the slot's worktree is on this clone's disk, and its holder
  // is judged by pid, which only means something on its own host. `host/agent-N` is one name, not a folder.
  return withOwnedLock(layout.locks, `slot-${agentId.replace(/\//g, '.')}`, fn, lock);
}

/** Whether `dir` is a worktree's top folder (its `.git` file is there). git run elsewhere would find the enclosing repository. */
export function isWorktreeFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, '.git'));
}

/** The branch checked out in the worktree at `dir` (full ref name), or undefined when it is detached or no worktree. */
export async function checkedOutBranch(dir: string): Promise<string | undefined> {
  if (!isWorktreeFolder(dir)) return undefined;
  // From the HEAD file where it reads plainly: a git process per look cost an attempt 5-10 ms under load.
  const fromFile = headBranchFile(dir);
  if (fromFile !== undefined) return fromFile ?? undefined;
  const { stdout, exitCode } = await runGit(dir, ['symbolic-ref', '--quiet', 'HEAD'], { okCodes: [0, 1, 128] });
  return exitCode === 0 ? stdout.trim() : undefined;
}

/** Uncommitted changes to tracked files (what `clean` will not throw away without `--force`). */
export async function hasTrackedChanges(dir: string): Promise<boolean> {
  return (await git(dir, ['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=no'])) !== '';
}

/**
 * Bring a slot's worktree to a new attempt: the new branch at `base`, tracked files as `base` has them
 * (`--force`: the last attempt's changes are committed on its branch, or were thrown away with it), then
 * every untracked and ignored file removed except the ignored dependency folders named in `keep` that
 * exist. Returns those kept folders. A branch of that name already there (a crashed earlier try of this
 * attempt) is checked out as it is, its commits kept, as addAttemptWorktree does.
 */
export async function switchSlotWorktree(dir: string, branch: string, base: string, keep: readonly string[]): Promise<string[]> {
  const made = await runGit(dir, ['checkout', '--quiet', '--force', '--no-track', '-b', branch, base], { okCodes: [0, 128] });
  if (made.exitCode !== 0) {
    if (!(await revParse(dir, `refs/heads/${branch}`))) {
      throw new PlError('GIT_FAILED', `git checkout -b ${branch} ${base} failed in ${dir}: ${made.stderr.trim()}`, { details: { cwd: dir, stderr: made.stderr } });
    }
    await git(dir, ['checkout', '--quiet', '--force', branch]);
  }
  const kept = await keptFoldersIn(dir, keep);
  await git(dir, ['clean', '-ffdxq', ...kept.flatMap((folder) => ['-e', `/${escapePattern(folder)}`])]);
  return kept;
}

/** The ignored folders of the worktree that `keep` names (see keptFolders). */
export async function keptFoldersIn(dir: string, keep: readonly string[]): Promise<string[]> {
  if (keep.length === 0) return [];
  // --no-optional-locks: a look only; status would otherwise write the index back (a lock file and a rename).
  return keptFolders(await git(dir, ['--no-optional-locks', 'status', '--porcelain', '-z', '--ignored', '--untracked-files=normal']), keep);
}

/**
 * From `git status --porcelain -z --ignored` output: the ignored folders (`!! dir/`) that `keep` names, each
 * with its trailing slash. An entry of `keep` without a slash names a folder at any depth (`node_modules`
 * also keeps `packages/a/node_modules/`); one with a slash is a path from the top. A folder inside an
 * untracked or ignored folder is not kept: that folder is the last task's leftover, and goes whole. Pure.
 */
export function keptFolders(status: string, keep: readonly string[]): string[] {
  const fields = status.split('\0');
  const entries: Array<{ code: string; file: string }> = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    entries.push({ code, file: field.slice(3) });
    // A rename or copy names its source in the next field.
    if (code[0] === 'R' || code[0] === 'C') i++;
  }
  const outside = entries.filter((e) => (e.code === '??' || e.code === '!!') && e.file.endsWith('/')).map((e) => e.file);
  return entries
    .filter((e) => e.code === '!!' && e.file.endsWith('/') && keepNames(e.file.slice(0, -1), keep))
    .map((e) => e.file)
    .filter((folder) => !outside.some((o) => o !== folder && folder.startsWith(o)));
}

function keepNames(folder: string, keep: readonly string[]): boolean {
  return keep.some((entry) => {
    const name = entry.replace(/^\/+|\/+$/g, '');
    return name.includes('/') ? folder === name : path.posix.basename(folder) === name;
  });
}

// A literal path as a gitignore pattern: wildcards and backslashes escaped, and a trailing space kept.
function escapePattern(file: string): string {
  return file.replace(/[\\*?[\]]/g, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

/**
 * What a slot's `setup` depends on, hashed: the command itself and the blobs of the `setupWhen` files
 * (git pathspecs, e.g. `package-lock.json` or `*\/requirements.txt`) as the worktree's index has them
 * right after a switch, that is as the attempt's base commit has them. Files that do not exist count too:
 * adding one changes the hash.
 */
export async function setupHash(dir: string, setup: string, setupWhen: readonly string[]): Promise<string> {
  const listed = setupWhen.length > 0 ? await git(dir, ['ls-files', '--stage', '-z', '--', ...setupWhen]) : '';
  return createHash('sha256').update(setup).update('\0').update(listed).digest('hex').slice(0, 20);
}

/**
 * Move a slot's worktree that could not be switched (its last attempt's work could not be committed, a
 * stale lock, a broken index) out of the slot's way, to `to`: the folder of the attempt it belongs to,
 * where a reclaim and `clean` look for an attempt's worktree. Returns false when it could not be moved.
 */
export async function setAsideSlotWorktree(repo: string, layout: Layout, dir: string, to: string): Promise<boolean> {
  return lockWorktrees(layout, async () => {
    if (fs.existsSync(to)) return false;
    const moved = await runGit(repo, ['worktree', 'move', '--force', '--force', dir, to], { okCodes: [0, 128] });
    if (moved.exitCode === 0) return true;
    // A folder git no longer knows as a worktree (its record was pruned) is moved as a plain folder, for a person to look at.
    if (findWorktree(await listWorktrees(repo), dir)) return false;
    fs.renameSync(dir, to);
    return true;
  });
}

/**
 * Remove a slot's warm worktree (`clean`): its files go, kept folders included; its branch stays. Changes
 * to tracked files stop it (PlError `WORKTREE_DIRTY`) unless `force`.
 */
export async function removeSlotWorktree(repo: string, layout: Layout, agentId: string, dir: string, force: boolean): Promise<void> {
  await withSlotLock(layout, agentId, () =>
    lockWorktrees(layout, async () => {
      const entry = findWorktree(await listWorktrees(repo), dir);
      if (!entry) {
        fs.rmSync(dir, { recursive: true, force: true });
        return;
      }
      if (entry.prunable !== undefined) return void (await git(repo, ['worktree', 'prune']));
      if (!force && (await hasTrackedChanges(dir))) {
        throw new PlError('WORKTREE_DIRTY', `The worktree ${dir} has uncommitted changes to tracked files; commit them first or remove it with force.`);
      }
      await git(repo, ['worktree', 'remove', '--force', ...(entry.locked !== undefined ? ['--force'] : []), dir]);
    }),
  );
}

/**
 * After a landing from a slot's warm worktree: the worktree stays for the slot's next task, detached where
 * it is (no file changes), and only the landed branch goes: in one ref transaction while it still points
 * at `landed.branchTip` and the target at `landed.landedAt`, else when the target contains it.
 */
export async function releaseLandedBranch(
  options: AttemptWorktreeOptions & { agentId: string; dir: string; target: string; targetRef?: string; landed?: { landedAt: string; branchTip: string } },
): Promise<RemovedWorktree> {
  const { repo, layout, taskId, gen, dir, landed } = options;
  // The ref that holds the target's tip here: the branch, or for a remote target the ref its fetch writes.
  const targetRef = options.targetRef ?? `refs/heads/${options.target}`;
  const branch = attemptBranch(taskId, gen);
  await withSlotLock(layout, options.agentId, async () => {
    if ((await checkedOutBranch(dir)) === `refs/heads/${branch}`) await git(dir, ['update-ref', '--no-deref', 'HEAD', 'HEAD']);
  });
  if (landed) {
    const input = `verify ${targetRef} ${landed.landedAt}\ndelete refs/heads/${branch} ${landed.branchTip}\n`;
    if ((await runGit(repo, ['update-ref', '--stdin'], { input, okCodes: [0, 1, 128] })).exitCode === 0) return { worktreeRemoved: false, branchDeleted: true };
  }
  return removeAttemptWorktree({ repo, layout, taskId, gen, deleteBranch: true, mergedInto: targetRef });
}
