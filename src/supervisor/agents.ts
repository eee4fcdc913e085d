import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJsonOrUndefined } from '../util/atomic-write.js';
import { isSameProcess } from '../proc/start-time.js';
import { agentDir, type Layout } from '../queue/layout.js';
import { listAgentIds } from '../queue/store.js';
import type { AgentState } from '../lifecycle/records.js';

/** One agent as its heartbeat file tells it, and whether its worker process is that process still. */
export interface AgentView {
  agentId: string;
  heartbeat: AgentState;
  /** The worker runs on this host and its pid still has the recorded start time. */
  running: boolean;
  /** Another host wrote the heartbeat: its pid means nothing here. */
  remote: boolean;
}

/** Ids of the agents that ever wrote a heartbeat in this state folder, sorted by slot number. */
export function agentIds(layout: Layout): string[] {
  return listAgentIds(layout.agents)
    .filter((n) => fs.existsSync(path.join(layout.agents, n, 'heartbeat.json')))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

export function readAgent(layout: Layout, agentId: string): AgentView | undefined {
  const heartbeat = readJsonOrUndefined<AgentState>(path.join(agentDir(layout, agentId), 'heartbeat.json'));
  if (!heartbeat || typeof heartbeat.pid !== 'number') return undefined;
  const remote = heartbeat.host !== os.hostname();
  // Without a start time a pid cannot be told from a reused one, so it is never taken as running.
  const running = !remote && typeof heartbeat.pidStart === 'string' && isSameProcess(heartbeat.pid, heartbeat.pidStart);
  return { agentId, heartbeat, running, remote };
}
