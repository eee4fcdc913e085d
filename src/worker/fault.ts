/**
 * Fault injection for recovery tests: with PL_FAULT=<step>[,<step>…] (optionally PL_FAULT_AGENT=<agent id>) the
 * worker exits at once, without any clean-up, when it reaches that protocol step. Start-up steps:
 * forked (loaded, start message not read; PL_FAULT_AGENT cannot name it yet), start-received,
 * before-first-claim. Task steps: claim-written, task-moved, worktree-created, agent-running,
 * commit-made, before-release; with `land: pr`, pr-pushed (the branch pushed, no pull request yet) and
 * pr-created (the pull request opened, its URL not yet recorded). Lander steps: batch-verify (before each
 * verify run of a batch), batch-landed (the batch's ref moved, nothing settled). Monitor step: reclaim-claimed
 * (a reclaimer that won, before it settles).
 * PL_FAULT_ONCE=<file>: only the first process to reach the step dies (it creates the file);
 * with PL_FAULT_TIMES=<n> as well, the first n do (they create <file>, <file>.2, … <file>.n).
 * PL_FAULT_PAUSE=<ms>: the worker pauses that long at the step instead of exiting (it widens a race's window).
 * PL_FAULT_NFS=retransmit: every link and rename of the queue answers as one retransmitted over NFS (see nfsFault).
 */
import fs from 'node:fs';
import type { FsCalls } from '../queue/claims.js';

export function faultInjector(agentId: string, env: NodeJS.ProcessEnv = process.env): (step: string) => void {
  const wanted = env.PL_FAULT;
  if (!wanted) return () => undefined;
  const steps = wanted.split(',');
  return (step) => {
    if (!steps.includes(step)) return;
    if (env.PL_FAULT_AGENT && env.PL_FAULT_AGENT !== agentId) return;
    // With several steps, each has its own turn files: <file>.<step>.
    const once = env.PL_FAULT_ONCE && (steps.length > 1 ? `${env.PL_FAULT_ONCE}.${step}` : env.PL_FAULT_ONCE);
    if (once && !takeTurn(once, Number(env.PL_FAULT_TIMES ?? 1), `${agentId} ${process.pid} ${step}\n`)) return;
    const pauseMs = Number(env.PL_FAULT_PAUSE);
    if (pauseMs > 0) return void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
    process.kill(process.pid, 'SIGKILL');
  };
}

/** Whether this process is one of the first `times` to get here: it created one of the turn files. */
function takeTurn(file: string, times: number, content: string): boolean {
  for (let i = 1; i <= times; i++) {
    try {
      fs.writeFileSync(i === 1 ? file : `${file}.${i}`, content, { flag: 'wx' });
      return true;
    } catch {
      // Taken by an earlier process.
    }
  }
  return false;
}

/**
 * With PL_FAULT_NFS=retransmit, link(2) and rename(2) of the queue and its claims answer as over NFS when
 * the reply to a LINK or RENAME is lost and the client sends it again: the call is made, then made once
 * more, and the second one's real error (EEXIST, ENOENT) is what the caller sees. Undefined otherwise.
 */
export function nfsFault(env: NodeJS.ProcessEnv = process.env): FsCalls | undefined {
  if (env.PL_FAULT_NFS !== 'retransmit') return undefined;
  return { link: retransmittedLink, rename: retransmittedRename };
}

export function retransmittedLink(existing: string, link: string): void {
  try {
    fs.linkSync(existing, link);
  } catch {
    // Lost the race for real: the retransmission below reports the same EEXIST.
  }
  fs.linkSync(existing, link);
}

export function retransmittedRename(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch {
    // The source was gone for real: the retransmission below reports the same ENOENT.
  }
  fs.renameSync(from, to);
}
