import { PlError } from '../errors.js';
import type { QueueStore } from '../queue/store.js';
import { checkTaskId } from '../task/id.js';
import { agentIds, readAgent, type AgentView } from './agents.js';
import { killAgent, refusal, type KillResult } from './kill-agent.js';

/**
 * `parallel-loop kill <target>`: stop the attempt of an agent (`agent-2`), of the agent holding a task,
 * or of every agent here (`all`), one after the other, waiting up to `waitMs` for each worker to exit.
 */
export async function killTarget(store: QueueStore, target: string, waitMs: number): Promise<KillResult[]> {
  const results: KillResult[] = [];
  for (const agent of killTargets(store, target)) results.push(await killAgent(agent, waitMs));
  return results;
}

/** The agents a target names. Throws naming the known agents when it names none that can be stopped. */
export function killTargets(store: QueueStore, target: string): AgentView[] {
  const ids = agentIds(store.layout);
  if (target === 'all') {
    const live = ids.map((id) => readAgent(store.layout, id)).filter((a): a is AgentView => a !== undefined && refusal(a) === undefined);
    if (live.length === 0) throw new PlError('NO_AGENTS', `No agent is running on this host for ${store.layout.state}.`);
    return live;
  }
  if (ids.includes(target)) return [readAgent(store.layout, target) ?? notFound(store, target, ids)];
  if (checkTaskId(target)) return notFound(store, target, ids);
  // A task id: the agent that holds its live claim.
  const holder = store.claims.liveLease(target)?.agentId;
  const agent = holder ? readAgent(store.layout, holder) : undefined;
  if (agent && agent.heartbeat.task === target) return [agent];
  return notFound(store, target, ids);
}

function notFound(store: QueueStore, target: string, ids: string[]): never {
  const known = ids.length > 0 ? `Agents: ${ids.join(', ')}.` : 'No agent has run here yet.';
  throw new PlError('AGENT_NOT_FOUND', `No agent \`${target}\` and no running task of that id in ${store.layout.state}. ${known}`);
}

/** One line for people on what a kill did. */
export function describeKill(store: QueueStore, r: KillResult, waited: boolean): string {
  const during = r.task ? ` during ${r.task}` : ' while idle';
  if (!r.exited) return `${r.agentId}: sent SIGTERM to worker ${r.pid}${during}; ${waited ? 'it has not exited yet' : 'not waiting for it'}`;
  let after = '';
  if (r.task && r.gen !== undefined) {
    const release = store.claims.readRelease(r.task, r.gen);
    const where = store.findById(r.task, ['running', 'done', 'failed']);
    after = release ? `; ${r.task} ${release.outcome === 'requeued' ? 'went back to the queue' : `ended ${release.outcome}`}` : where ? `; ${r.task} is in ${where.state}/` : '';
  }
  return `${r.agentId}: stopped worker ${r.pid}${during}${after}; its supervisor starts a fresh worker`;
}
