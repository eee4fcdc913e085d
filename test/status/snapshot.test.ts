// A heartbeat of another host cannot be checked by pid; what the claims say about it needs no clock:
// the generation it names was taken over by a reclaim, or it was not.
import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { readSnapshot } from '../../src/status/snapshot.js';
import { writeJsonAtomic } from '../../src/util/atomic-write.js';

function storeWithHeartbeat(agentId: string): QueueStore {
  const store = new QueueStore(layoutFor(tmpRepo()));
  store.init();
  const now = new Date().toISOString();
  fs.mkdirSync(`${store.layout.agents}/${agentId}`, { recursive: true });
  writeJsonAtomic(`${store.layout.agents}/${agentId}/heartbeat.json`, { agentId, pid: 1, host: 'elsewhere', phase: 'agent', beat: 3, task: 't', gen: 1, updatedAt: now, startedAt: now });
  return store;
}

const elsewhere = (agentId: string) => ({ agentId, pid: 1, host: 'elsewhere', file: 't.md' });
const here = { agentId: 'h/agent-1', pid: process.pid, host: os.hostname(), file: 't.md' };

describe('readSnapshot: reclaimed agents', () => {
  it('marks an agent whose generation was claimed over without being released', async () => {
    const store = storeWithHeartbeat('b/agent-1');
    expect(store.claims.claim('t', elsewhere('b/agent-1')).ok).toBe(true);
    const before = (await readSnapshot(store.layout, { measure: false })).snapshot.agents;
    expect(before.map((a) => [a.heartbeat.agentId, a.reclaimed])).toEqual([['b/agent-1', undefined]]);
    expect(store.claims.claim('t', here, { over: 1 }).ok).toBe(true);
    const after = (await readSnapshot(store.layout, { measure: false })).snapshot.agents;
    expect(after.map((a) => [a.heartbeat.agentId, a.reclaimed])).toEqual([['b/agent-1', true]]);
  });

  it('does not mark an agent whose generation ended and was claimed again', async () => {
    const store = storeWithHeartbeat('b/agent-1');
    expect(store.claims.claim('t', elsewhere('b/agent-1')).ok).toBe(true);
    store.claims.release('t', 1, { outcome: 'retry', attempted: true }, 'b/agent-1');
    expect(store.claims.claim('t', here).ok).toBe(true);
    const agents = (await readSnapshot(store.layout, { measure: false })).snapshot.agents;
    expect(agents.map((a) => a.reclaimed)).toEqual([undefined]);
  });
});
