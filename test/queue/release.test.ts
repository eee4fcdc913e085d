// A release record appears whole or not at all, and the first one written stays.
import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';

describe('Claims.release', () => {
  it('keeps the first record of a generation and leaves no temp file behind', () => {
    const store = new QueueStore(layoutFor(tmpRepo()));
    store.init();
    const claim = store.claims.claim('t', { agentId: 'agent-1', pid: process.pid, host: os.hostname(), file: 't.md' });
    expect(claim.ok).toBe(true);
    store.claims.release('t', 1, { outcome: 'done', attempted: true }, 'agent-1');
    store.claims.release('t', 1, { outcome: 'requeued', reason: 'a late reclaimer' });
    expect(store.claims.readRelease('t', 1)).toMatchObject({ outcome: 'done', attempted: true });
    expect(fs.readdirSync(store.claims.taskDir('t')).sort()).toEqual(['1', '1.released']);
    expect(store.claims.snapshot('t').live).toBeUndefined();
  });
});
