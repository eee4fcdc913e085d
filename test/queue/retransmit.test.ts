// Over NFS a LINK or RENAME whose reply was lost is sent again, and the retry answers EEXIST or ENOENT
// although the first call did its work. A claim made so is kept by its claimer (a claim another process
// holds is still lost), a task added so is added once, and a task file moved so counts as moved.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { writeTask } from '../helpers/run-cli.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { InboxIndex } from '../../src/queue/inbox.js';
import { takeTask } from '../../src/queue/take.js';
import { retransmittedLink, retransmittedRename } from '../../src/worker/fault.js';

const owner = (agentId: string) => ({ agentId, pid: process.pid, host: os.hostname(), file: 't.md' });

/** A store whose claims link the way a retransmitted NFS LINK answers: linked, then EEXIST. */
function retransmittingStore(repo: string): QueueStore {
  const store = new QueueStore(layoutFor(repo), { calls: { link: retransmittedLink } });
  store.init();
  return store;
}

describe('Claims.claim on EEXIST', () => {
  it('keeps a claim whose link was made although link(2) reported EEXIST', () => {
    const store = retransmittingStore(tmpRepo());
    const claim = store.claims.claim('t', owner('agent-1'));
    expect(claim).toMatchObject({ ok: true, gen: 1 });
    expect(store.claims.racesLost).toBe(0);
    // The lease stays where the monitor reads it, and the claim is that very file.
    const lease = path.join(store.layout.agents, 'agent-1', 'leases', 't.1.json');
    expect(fs.statSync(lease).ino).toBe(fs.statSync(path.join(store.claims.taskDir('t'), '1')).ino);
    expect(fs.statSync(lease).nlink).toBe(2);
    expect(store.claims.liveLease('t')).toMatchObject({ agentId: 'agent-1', gen: 1 });
    expect(store.claims.agentLeases('agent-1')).toHaveLength(1);
  });

  it('loses a race it really lost, whatever the retransmission said, and drops its own lease', () => {
    const repo = tmpRepo();
    const rival = new QueueStore(layoutFor(repo));
    rival.init();
    // agent-2 has read the snapshot (no generation yet) and is about to link generation 1 when agent-1's
    // claim of that generation lands: its link then finds agent-1's lease under the name.
    const store = new QueueStore(layoutFor(repo), {
      calls: { link: (existing: string, link: string) => {
        expect(rival.claims.claim('t', owner('agent-1'))).toMatchObject({ ok: true, gen: 1 });
        retransmittedLink(existing, link);
      } },
    });
    expect(store.claims.claim('t', owner('agent-2'))).toMatchObject({ ok: false, reason: 'lost', gen: 1 });
    expect(store.claims.racesLost).toBe(1);
    expect(store.claims.agentLeases('agent-2')).toEqual([]);
    expect(store.claims.liveLease('t')).toMatchObject({ agentId: 'agent-1', gen: 1 });
  });

  it('takes a task from the inbox when every claim link is retransmitted', () => {
    const repo = tmpRepo();
    writeTask(repo, 't', { agent: 'shell', run: 'true' });
    const store = retransmittingStore(repo);
    const index = new InboxIndex(store, { allowSharedQueue: false });
    index.refresh();
    const entry = index.ordered().find((e) => e.id === 't')!;
    const taken = takeTask(store, entry, { agentId: 'agent-1', pid: process.pid, host: os.hostname() });
    expect(taken).toMatchObject({ ok: true, gen: 1, file: 't.json' });
    expect(store.taskFiles('running')).toEqual(['t.json']);
    expect(store.claims.snapshot('t').live).toBe(1);
  });
});

describe('QueueStore under retransmitted calls', () => {
  it('adds a task once when its link reports EEXIST', () => {
    const store = new QueueStore(layoutFor(tmpRepo()), { calls: { link: retransmittedLink } });
    expect(store.enqueue('a.md', 'Do a\n')).toBe('a.md');
    expect(store.taskFiles('inbox')).toEqual(['a.md']);
    expect(fs.readdirSync(path.join(store.layout.queue, '.tmp'))).toEqual([]);
  });

  it('takes a move whose rename reports ENOENT as done when the file arrived, and as gone when it did not', () => {
    const store = new QueueStore(layoutFor(tmpRepo()), { calls: { rename: retransmittedRename } });
    store.enqueue('a.md', 'Do a\n');
    expect(store.move('a.md', 'inbox', 'running')).toBe('a.md');
    expect(store.taskFiles('running')).toEqual(['a.md']);
    expect(store.taskFiles('inbox')).toEqual([]);
    expect(() => store.move('b.md', 'inbox', 'running')).toThrow(expect.objectContaining({ code: 'TASK_GONE' }));
  });
});
