import { PlError } from '../errors.js';
import type { RunOptions } from '../config/options.js';
import { revParse } from '../git/repo.js';
import { isRemote } from '../git/remote.js';
import { onPath } from '../notify/desktop.js';
import { remoteTarget, resolveTargetSpec } from './target.js';

/**
 * Where a run lands, checked before any worker starts: `target` (and `remote`) read as merge/target.ts
 * reads them, written back as the remote and its branch so every worker and monitor sees the same. A
 * remote branch is fetched once here, so a missing branch or refused credentials stop the run before
 * any agent works. `land: pr` needs a remote (default `origin`) and a command to open pull requests.
 */
export async function resolveRunTarget(repo: string, options: RunOptions): Promise<void> {
  const target = options.target;
  if (!target) return;
  let spec = await resolveTargetSpec(repo, target, options.remote);
  if (options.land === 'pr' && spec.remote === undefined) {
    if (!(await isRemote(repo, 'origin'))) {
      throw new PlError('REMOTE_NOT_FOUND', '`land: pr` pushes each task\'s branch to a remote and opens its pull request there, but no remote is named (`remote`, or a target `<remote>/<branch>`) and there is no `origin`.');
    }
    spec = { remote: 'origin', branch: target };
  }
  if (spec.remote !== undefined) {
    options.remote = spec.remote;
    options.target = spec.branch;
    await remoteTarget(repo, spec.remote, spec.branch).readTip();
  } else if (!(await revParse(repo, `refs/heads/${target}`))) {
    throw new PlError('TARGET_NOT_FOUND', `The target branch \`${target}\` does not exist. Create it or pass another --target.`);
  }
  if (options.land === 'pr' && options.prCommand === undefined && !onPath('gh')) {
    throw new PlError('PR_COMMAND_MISSING', '`land: pr` opens pull requests with `gh` by default, and `gh` is not on PATH. Install it (and `gh auth login`), or set `prCommand` in .parallel-loop.json to a command of your own, e.g. ["my-pr", "<branch>", "<title>", "<body-file>"].');
  }
}
