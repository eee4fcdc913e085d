import fs from 'node:fs';
import path from 'node:path';
import { runGit } from '../git/repo.js';
import { isSameProcess } from '../proc/start-time.js';
import { verifyWorktree } from '../queue/layout.js';
import { listAgentIds, type QueueStore } from '../queue/store.js';
import { readJsonOrUndefined } from '../util/atomic-write.js';
import type { CleanItem } from './clean-plan.js';

/**
 * The landers' verify worktrees (`<state>/verify/<agent>`, kept between batches; `<agent>` may be
 * `<host-id>/agent-N`) of agents not running now: removed, or only listed with `dryRun`. A live agent's is
 * kept, with why.
 */
export async function cleanVerifyWorktrees(store: QueueStore, dryRun: boolean): Promise<{ removed: CleanItem[]; kept: CleanItem[] }> {
  const removed: CleanItem[] = [];
  const kept: CleanItem[] = [];
  for (const agent of listAgentIds(store.layout.verify)) {
    const dir = verifyWorktree(store.layout, agent);
    const hb = readJsonOrUndefined<{ pid?: number; pidStart?: string; phase?: string }>(path.join(store.layout.agents, agent, 'heartbeat.json'));
    const alive = hb?.pid !== undefined && hb.pidStart !== undefined && hb.phase !== 'stopping' && isSameProcess(hb.pid, hb.pidStart);
    if (alive) {
      kept.push({ kind: 'worktree', name: dir, task: '', reason: `the lander worktree of ${agent}, which is running` });
      continue;
    }
    if (!dryRun) {
      await runGit(store.layout.repo, ['worktree', 'remove', '--force', '--force', dir], { okCodes: [0, 128] });
      fs.rmSync(dir, { recursive: true, force: true });
    }
    removed.push({ kind: 'worktree', name: dir, task: '', reason: `the lander worktree of ${agent}, which is not running` });
  }
  if (!dryRun && removed.length > 0) await runGit(store.layout.repo, ['worktree', 'prune'], { okCodes: [0, 128] });
  return { removed, kept };
}
