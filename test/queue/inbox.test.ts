import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';
import { InboxIndex } from '../../src/queue/inbox.js';
import { takeTask } from '../../src/queue/take.js';
import { checkHardLinks, checkQueuePermissions } from '../../src/queue/preflight.js';
import { tmpDir } from '../helpers/tmp.js';

function setup() {
  const repo = tmpDir();
  const store = new QueueStore(layoutFor(repo));
  store.init();
  const put = (name: string, content: string | Buffer) => fs.writeFileSync(path.join(store.layout.queue, name), content);
  const rejected = () => fs.readdirSync(store.dir('rejected')).sort();
  const errorText = (name: string) => fs.readFileSync(path.join(store.dir('rejected'), `${name}.error.txt`), 'utf8');
  return { repo, store, put, rejected, errorText, index: new InboxIndex(store) };
}

const owner = { agentId: 'agent-1', pid: process.pid, host: 'test' };

describe('inbox', () => {
  it('moves a bad file to rejected/ untouched, with an .error.txt that names the field and the fix', () => {
    const { put, index, rejected, errorText, store } = setup();
    const bad = '---\npriority: high\n---\nDo it\n';
    put('bad.md', bad);
    const result = index.refresh();
    expect(result.rejected.map((r) => r.file)).toEqual(['bad.md']);
    expect(rejected()).toEqual(['bad.md', 'bad.md.error.txt']);
    expect(fs.readFileSync(path.join(store.dir('rejected'), 'bad.md'), 'utf8')).toBe(bad);
    expect(errorText('bad.md')).toContain('priority');
    expect(errorText('bad.md')).toContain('mv ');
  });

  it('never overwrites an earlier rejected file of the same name', () => {
    const { put, index, rejected } = setup();
    put('bad.json', '{');
    index.refresh();
    put('bad.json', '[1]');
    index.refresh();
    expect(rejected()).toEqual(['bad (2).json', 'bad (2).json.error.txt', 'bad.json', 'bad.json.error.txt']);
  });

  it('ignores files still being written and the queue README', () => {
    const { put, index, store } = setup();
    for (const name of ['.draft.md', 'x.md.tmp', 'x.md~', '.x.md.swp', 'README.md']) put(name, 'Do it\n');
    fs.writeFileSync(path.join(store.layout.queue, '.tmp', 'half.md'), 'Do');
    index.refresh();
    expect(index.size).toBe(0);
    expect(store.list('rejected')).toEqual([]);
  });

  it('refuses a symlink, moving the link (not its target) aside', () => {
    const { repo, index, store, rejected, errorText } = setup();
    const outside = path.join(repo, 'secret.md');
    fs.writeFileSync(outside, 'Do secret things\n');
    fs.symlinkSync(outside, path.join(store.layout.queue, 'link.md'));
    index.refresh();
    expect(rejected()).toEqual(['link.md', 'link.md.error.txt']);
    expect(fs.lstatSync(path.join(store.dir('rejected'), 'link.md')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(outside, 'utf8')).toBe('Do secret things\n');
    expect(errorText('link.md')).toContain('symbolic link');
  });

  it('rejects a file over 1 MiB without reading it as a task', () => {
    const { put, index, rejected, errorText } = setup();
    put('big.md', Buffer.alloc(1024 * 1024 + 1, 'a'));
    index.refresh();
    expect(rejected()).toEqual(['big.md', 'big.md.error.txt']);
    expect(errorText('big.md')).toContain('1 MiB');
  });

  it('accepts names with spaces and non-ASCII letters, and runs them under their id', () => {
    const { put, index, store } = setup();
    put('fix login bug.md', 'Fix it\n');
    put('café über.md', 'Fix it too\n');
    index.refresh();
    expect(index.ordered().map((e) => e.id).sort()).toEqual(['café über', 'fix login bug']);
    const taken = takeTask(store, index.ordered()[0]!, owner);
    expect(taken.ok).toBe(true);
    expect(store.list('running')).toHaveLength(1);
  });

  it('rejects an id that already exists in another state, and a second inbox file with the same id', () => {
    const { put, index, store, rejected, errorText } = setup();
    put('a.md', 'First\n');
    index.refresh();
    const first = takeTask(store, index.ordered()[0]!, owner);
    expect(first.ok).toBe(true);
    index.remove('a.md');
    store.move('a.md', 'running', 'done');
    put('a.md', 'Second with the same id\n');
    put('other.md', '---\nid: a\n---\nThird\n');
    index.refresh();
    expect(rejected()).toEqual(['a.md', 'a.md.error.txt', 'other.md', 'other.md.error.txt']);
    expect(errorText('a.md')).toContain('queue/done/a.md');
  });

  it('orders by priority, then age, then name', () => {
    const { put, index, store } = setup();
    put('b.md', 'B\n');
    put('a.md', 'A\n');
    put('old.md', 'Old\n');
    put('urgent.md', '---\npriority: 5\n---\nUrgent\n');
    const t = Date.now() / 1000;
    fs.utimesSync(path.join(store.layout.queue, 'old.md'), t - 100, t - 100);
    fs.utimesSync(path.join(store.layout.queue, 'a.md'), t, t);
    fs.utimesSync(path.join(store.layout.queue, 'b.md'), t, t);
    index.refresh();
    expect(index.ordered().map((e) => e.id)).toEqual(['urgent', 'old', 'a', 'b']);
  });

  it('refuses task files owned by another user unless shared queues are allowed', () => {
    if (process.getuid?.() !== 0) return; // needs root to give a file away
    const { put, store, rejected } = setup();
    put('theirs.md', 'Run as me\n');
    fs.chownSync(path.join(store.layout.queue, 'theirs.md'), 65534, 65534);
    new InboxIndex(store).refresh();
    expect(rejected()).toEqual(['theirs.md', 'theirs.md.error.txt']);
    put('theirs2.md', 'Run as me\n');
    fs.chownSync(path.join(store.layout.queue, 'theirs2.md'), 65534, 65534);
    const shared = new InboxIndex(store, { allowSharedQueue: true });
    shared.refresh();
    expect(shared.size).toBe(1);
  });

  it('refuses a group- or world-writable queue folder with a message that says why and how to fix it', () => {
    const { store } = setup();
    fs.chmodSync(store.layout.queue, 0o777);
    expect(() => checkQueuePermissions(store.layout, false)).toThrow(/world-writable.*chmod go-w/s);
    fs.chmodSync(store.layout.queue, 0o775);
    expect(() => checkQueuePermissions(store.layout, false)).toThrow(/group-writable/);
    expect(() => checkQueuePermissions(store.layout, true)).not.toThrow();
    fs.chmodSync(store.layout.queue, 0o755);
    expect(() => checkQueuePermissions(store.layout, false)).not.toThrow();
  });

  it('checks that the state folder supports hard links', () => {
    const { store } = setup();
    expect(() => checkHardLinks(store.layout.state)).not.toThrow();
    expect(fs.readdirSync(store.layout.state).filter((n) => n.startsWith('.link-probe'))).toEqual([]);
  });
});

describe('claims', () => {
  it('a second claim of a live task loses; fencing sees a later generation; a release lets the next one in', () => {
    const { store } = setup();
    const a = store.claims.claim('t', { ...owner, file: 't.md' });
    expect(a).toMatchObject({ ok: true, gen: 1 });
    expect(store.claims.claim('t', { ...owner, agentId: 'agent-2', file: 't.md' })).toMatchObject({ ok: false, reason: 'live' });
    // A reclaim over the stale generation 1 wins once; a second reclaimer over 1 has moved on.
    expect(store.claims.claim('t', { ...owner, agentId: 'agent-2', file: 't.md' }, { over: 1 })).toMatchObject({ ok: true, gen: 2 });
    expect(store.claims.claim('t', { ...owner, agentId: 'agent-3', file: 't.md' }, { over: 1 })).toMatchObject({ ok: false, reason: 'moved-on' });
    expect(store.claims.isSuperseded('t', 1)).toBe(true);
    expect(store.claims.isSuperseded('t', 2)).toBe(false);
    store.claims.release('t', 2, { outcome: 'retry', agentId: 'agent-2' }, 'agent-2');
    expect(store.claims.claim('t', { ...owner, file: 't.md' })).toMatchObject({ ok: true, gen: 3 });
    expect(store.claims.readLease('t', 2)).toMatchObject({ agentId: 'agent-2', gen: 2 });
    expect(store.claims.history('t').map((h) => h.release?.outcome)).toEqual([undefined, 'retry', undefined]);
  });
});
