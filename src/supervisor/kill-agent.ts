import { setTimeout as sleep } from 'node:timers/promises';
import { PlError, errnoCode } from '../errors.js';
import { isSameProcess } from '../proc/start-time.js';
import type { AgentView } from './agents.js';

/** What `kill` did to one agent. */
export interface KillResult {
  agentId: string;
  pid: number;
  task?: string;
  gen?: number;
  /** The worker process is gone (false when waiting ran out or was not asked for). */
  exited: boolean;
}

/**
 * Why an agent's worker may not be signalled, or undefined when it may. The pid is trusted only with
 * its recorded start time, so a pid the system gave to another process is never signalled.
 */
export function refusal(agent: AgentView): string | undefined {
  const { heartbeat: hb, agentId } = agent;
  if (agent.remote) return `${agentId} runs on host ${hb.host}; run \`parallel-loop kill ${agentId}\` there`;
  if (!agent.running) return `${agentId} is not running (its worker, pid ${hb.pid}, has exited)`;
  // In --single mode the agent runs inside the `run` process: SIGTERM would stop the whole run.
  if (hb.supervisorPid === undefined || hb.supervisorPid === hb.pid) {
    return `${agentId} runs inside the \`run\` process (pid ${hb.pid}, --single or --in-place); stop that run with Ctrl-C instead`;
  }
  return undefined;
}

/**
 * SIGTERM to one agent's worker: it kills its agent's process tree, commits the partial work, returns
 * the task to the queue and exits; its supervisor starts a fresh worker in the slot. The other agents
 * are not touched. With `waitMs` > 0, waits that long for the worker to exit.
 */
export async function killAgent(agent: AgentView, waitMs: number): Promise<KillResult> {
  const reason = refusal(agent);
  if (reason) throw new PlError(agent.remote ? 'AGENT_REMOTE' : 'AGENT_NOT_RUNNING', reason);
  const { pid, pidStart, task, gen } = agent.heartbeat;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return { agentId: agent.agentId, pid, task, gen, exited: true };
    throw new PlError('KILL_FAILED', `Could not signal ${agent.agentId} (pid ${pid}): ${(err as Error).message}`, { cause: err });
  }
  const deadline = Date.now() + waitMs;
  let exited = !isSameProcess(pid, pidStart!);
  while (!exited && Date.now() < deadline) {
    await sleep(50);
    exited = !isSameProcess(pid, pidStart!);
  }
  return { agentId: agent.agentId, pid, task, gen, exited };
}
