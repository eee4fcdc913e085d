import { revParse, runGit } from '../git/repo.js';
import { fetchRef } from '../git/remote.js';
import { attemptBranch } from '../queue/layout.js';

/**
 * The merge queue across hosts (docs/DEPLOY.md): a task made ready waits for a lander, and its branch is in
 * the clone of the host that finished it. With a remote target that branch is also pushed to the remote,
 * under a private ref, so that when its host dies for good a lander of another host fetches and lands it
 * instead of the task waiting for that clone. The copy goes once the task has landed.
 */

/** The ref on the remote where a ready task's branch waits: `refs/parallel-loop/ready/pl/<id>/<gen>`. */
export function readyRef(branch: string): string {
  return `refs/parallel-loop/ready/${branch}`;
}

/**
 * Push the branch's tip to its ready ref on `remote` (replacing an earlier push of the same branch).
 * Returns the ref, or undefined when the push did not go through (then only this clone's lander can land it, as before).
 */
export async function shareReady(repo: string, remote: string, branch: string): Promise<string | undefined> {
  const commit = await revParse(repo, `refs/heads/${branch}`);
  if (!commit) return undefined;
  const dst = readyRef(branch);
  const pushed = await runGit(repo, ['push', '--quiet', '--no-progress', '--force', '--', remote, `${commit}:${dst}`], { okCodes: [0, 1, 128] });
  return pushed.exitCode === 0 ? dst : undefined;
}

/** Make sure this clone has `branch`: fetched from its ready ref when another host made it. True when the branch is here. */
export async function fetchShared(repo: string, remote: string, branch: string, shared: string): Promise<boolean> {
  if (await revParse(repo, `refs/heads/${branch}`)) return true;
  return (await fetchRef(repo, remote, shared, `refs/heads/${branch}`).catch(() => undefined)) !== undefined;
}

/**
 * Every ready ref a task's attempts may have left: one per generation's branch. A worker that pushed its
 * copy and died before its ready release leaves one no release names (the task then ran again under a
 * later generation), so a task that is done drops them all. Deleting one the remote lacks only warns.
 */
export function copiesOf(taskId: string, gens: readonly number[]): string[] {
  return gens.map((gen) => readyRef(attemptBranch(taskId, gen)));
}

/** The ready refs go once their tasks have landed, in one push; best effort (a copy left behind holds nothing that is not on the target). */
export async function dropShared(repo: string, remote: string, shared: readonly string[]): Promise<void> {
  if (shared.length === 0) return;
  await runGit(repo, ['push', '--quiet', '--no-progress', '--', remote, ...shared.map((ref) => `:${ref}`)], { okCodes: [0, 1, 128] });
}
