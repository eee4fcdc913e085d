import type { RunOptions } from '../config/options.js';
import type { AgentEventInput } from '../lifecycle/events.js';
import { pruneWorktrees } from '../git/worktree.js';
import { hasLinkedWorktrees } from '../git/ref-file.js';
import type { QueueStore } from '../queue/store.js';
import type { Owner } from '../queue/take.js';
import { Monitor } from './monitor.js';
import { returnStranded } from './stranded.js';

/**
 * Start-up repair, run by a supervisor before it forks workers: reclaim claims whose owner died on
 * this host (a crash at any protocol step leaves one), return task files stranded in running/ with
 * no live claim, and prune git's records of worktrees that are gone. Claims of owners on other hosts
 * are left to the workers' monitors, which judge them after `staleAfter` on their own clock.
 * Returns one line per repair, also recorded as `repaired` events.
 */
export async function repairOnStart(
  store: QueueStore,
  options: RunOptions,
  owner: Owner,
  emit: (event: AgentEventInput) => void,
): Promise<string[]> {
  const repaired: string[] = [];
  const note = (what: string) => {
    repaired.push(what);
    emit({ type: 'repaired', what });
  };
  for (const id of returnStranded(store, owner)) note(`returned ${id} from running/ to the queue (it had no live claim)`);
  const monitor = new Monitor({ store, options: { ...options, staleAfterMs: Number.POSITIVE_INFINITY }, owner, emit });
  for (const id of await monitor.pass()) note(`reclaimed ${id} from a worker that is no longer running`);
  // A repository with no linked worktree registered has nothing to prune: no git process, no lock.
  if (hasLinkedWorktrees(store.layout.repo)) await pruneWorktrees(store.layout.repo, store.layout).catch(() => undefined);
  return repaired;
}
