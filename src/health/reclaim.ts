import fs from 'node:fs';
import { parseTaskFile } from '../task/parse.js';
import { commitLeftovers } from '../git/commit.js';
import { revParse } from '../git/repo.js';
import { killTree } from '../proc/kill-tree.js';
import { RUN_ID_ENV } from '../agents/run-process.js';
import type { Lease } from '../queue/claims.js';
import { attemptBranch, attemptWorktree } from '../queue/layout.js';
import { idFileName } from '../queue/inbox.js';
import { priorState } from '../worker/history.js';
import type { MonitorConfig } from './monitor.js';
import type { Verdict } from './judge.js';

/**
 * Reclaim a stale claim (docs/PROTOCOL.md, "Staleness"): claim the next generation over it (link(2):
 * one reclaimer wins), kill the old attempt's process tree when it ran on this host, commit what it
 * left as a WIP commit on its branch, and return the task to the inbox so the next attempt resumes
 * from that branch; past maxAttempts, to failed/ with its history. Returns false when another won.
 */
export async function reclaim(config: MonitorConfig, lease: Lease, verdict: Verdict & { stale: true }): Promise<boolean> {
  const { store, owner } = config;
  const id = lease.taskId;
  const won = store.claims.claim(id, { ...owner, file: lease.file }, { over: lease.gen });
  if (!won.ok) return false;
  const gen = won.gen;
  config.emit({ type: 'reclaimed', task: id, gen, from: lease.agentId, fromGen: lease.gen, reason: verdict.reason });

  const proc = store.claims.readProcess(id, lease.gen);
  if (proc && verdict.sameHost) {
    await killTree(proc.pid, { startTime: proc.startTime, graceMs: config.options.killGraceMs, marker: proc.runId ? { name: RUN_ID_ENV, value: proc.runId } : undefined }).catch(() => undefined);
  }
  const repo = store.layout.repo;
  const worktree = attemptWorktree(store.layout, id, lease.gen);
  const branch = attemptBranch(id, lease.gen);
  if (fs.existsSync(worktree)) {
    await commitLeftovers(worktree, `WIP: partial work of task ${id} (generation ${lease.gen}, reclaimed)`).catch(() => undefined);
  }
  const hasBranch = (await revParse(repo, `refs/heads/${branch}`).catch(() => undefined)) !== undefined;
  const attempted = proc !== undefined || hasBranch;
  const prior = priorState(store.claims.history(id).filter((h) => h.gen < lease.gen));
  const attemptsUsed = prior.attemptsUsed + (attempted ? 1 : 0);
  const where = store.findById(id, ['running']);
  const record = {
    attempted,
    attempt: attemptsUsed,
    branch: hasBranch ? branch : undefined,
    reclaimedGen: lease.gen,
    reason: `reclaimed: ${verdict.reason}`,
    note: attempted ? { attempt: attemptsUsed, kind: 'reclaimed' as const, text: `The attempt was stopped: ${verdict.reason}. Its work so far is kept on this branch.` } : undefined,
  };
  const taskMax = readMaxAttempts(store, where?.file);
  const exhausted = attemptsUsed >= (taskMax ?? config.options.maxAttempts);
  if (where) {
    if (exhausted) {
      store.move(where.file, 'running', 'failed');
      const history = store.claims.history(id).map((h) => ({ gen: h.gen, agent: h.lease?.agentId, outcome: h.release?.outcome, reason: h.release?.reason }));
      store.writeRecord('failed', `${id}.error.json`, { task: id, reason: `${record.reason}; ${attemptsUsed} attempts used`, history, at: new Date().toISOString() });
    } else {
      store.move(where.file, 'running', 'inbox', idFileName(id, where.file));
    }
  }
  // A crash before the task file left the inbox leaves it there: releasing is all it needs.
  store.claims.release(id, gen, { ...record, outcome: exhausted && where ? 'failed' : 'requeued', agentId: owner.agentId }, owner.agentId);
  store.claims.dropAgentLease(lease.agentId, id, lease.gen);
  config.emit({ type: exhausted && where ? 'failed' : 'requeued', task: id, gen, reason: record.reason });
  return true;
}

function readMaxAttempts(store: MonitorConfig['store'], file: string | undefined): number | undefined {
  if (!file) return undefined;
  const parsed = parseTaskFile(file, store.read('running', file));
  return parsed.ok ? parsed.task.maxAttempts : undefined;
}
