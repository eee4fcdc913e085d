/**
 * Fault injection for recovery tests: with PL_FAULT=<step> (optionally PL_FAULT_AGENT=<agent id>) the
 * worker exits at once, without any clean-up, when it reaches that protocol step. Start-up steps:
 * forked (loaded, start message not read; PL_FAULT_AGENT cannot name it yet), start-received,
 * before-first-claim. Task steps: claim-written, task-moved, worktree-created, agent-running,
 * commit-made, before-release.
 * PL_FAULT_ONCE=<file>: only the first process to reach the step dies (it creates the file).
 */
import fs from 'node:fs';

export function faultInjector(agentId: string, env: NodeJS.ProcessEnv = process.env): (step: string) => void {
  const wanted = env.PL_FAULT;
  if (!wanted) return () => undefined;
  return (step) => {
    if (step !== wanted) return;
    if (env.PL_FAULT_AGENT && env.PL_FAULT_AGENT !== agentId) return;
    if (env.PL_FAULT_ONCE) {
      try {
        fs.writeFileSync(env.PL_FAULT_ONCE, `${agentId} ${process.pid} ${step}\n`, { flag: 'wx' });
      } catch {
        return;
      }
    }
    process.kill(process.pid, 'SIGKILL');
  };
}
