// Which events become notifications, once each, and how the notifier bounds what it sends.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlEvent } from '../../src/lifecycle/events.js';
import { notificationsFor } from '../../src/notify/for-event.js';
import { Notifier } from '../../src/notify/notifier.js';
import { tmpDir } from '../helpers/tmp.js';

const at = '2025-01-01T00:00:00.000Z';
const ev = (e: Omit<PlEvent, 'time'>): PlEvent => ({ time: at, ...e }) as PlEvent;

describe('notificationsFor', () => {
  it.each([
    [ev({ type: 'failed', task: 't1', gen: 2, reason: 'exit 1' }), 'failed'],
    [ev({ type: 'paused', reason: 'budget of $1.00 reached', cause: 'budget', stop: true }), 'budget-spent'],
    [ev({ type: 'paused', reason: 'claiming paused until …', cause: 'rate-limit', until: at }), 'rate-limited'],
    [ev({ type: 'heartbeat-missed', task: 't1', gen: 1, reason: 'stale' }), 'agent-stale'],
    [ev({ type: 'drained', reason: 'nothing waits' }), 'drained'],
    [ev({ type: 'escalated', task: 't1', gen: 3, stage: 'review', reason: 'changes asked twice' }), 'escalated'],
    [ev({ type: 'done', task: 't1', gen: 1, landing: { status: 'kept', branch: 'pl/t1/1', mode: 'branch' } }), 'needs-review'],
    [ev({ type: 'done', task: 't1', gen: 1, landing: { status: 'pr', url: 'https://g/pull/1', branch: 'pl/t1' } }), 'needs-review'],
  ])('maps %j to %s', (event, kind) => {
    expect(notificationsFor(event, {}).map((n) => n.kind)).toEqual([kind]);
  });

  it('leaves out a load pause, a breaker stop, a cancel and kinds not chosen', () => {
    expect(notificationsFor(ev({ type: 'paused', reason: 'cpu', cause: 'load' }), {})).toEqual([]);
    expect(notificationsFor(ev({ type: 'paused', reason: 'broken', cause: 'breaker', stop: true }), {})).toEqual([]);
    expect(notificationsFor(ev({ type: 'failed', task: 't1', cancelled: true, reason: 'cancelled' }), {})).toEqual([]);
    expect(notificationsFor(ev({ type: 'done', task: 't1', landing: { status: 'landed', commit: 'abc' } }), {})).toEqual([]);
    // The `failed` that follows an `escalated` is not said twice.
    expect(notificationsFor(ev({ type: 'failed', task: 't1', escalated: true, reason: 'escalated' }), {})).toEqual([]);
    expect(notificationsFor(ev({ type: 'failed', task: 't1', reason: 'x' }), { on: ['drained'] })).toEqual([]);
  });

  it('gives the same key to one fact seen by several workers, and another to the next generation', () => {
    const key = (e: PlEvent) => notificationsFor(e, {})[0]!.key;
    expect(key(ev({ type: 'heartbeat-missed', agent: 'a1', task: 't1', gen: 3 }))).toBe(key(ev({ type: 'reclaimed', agent: 'a2', task: 't1', gen: 4, fromGen: 3 })));
    expect(key(ev({ type: 'paused', agent: 'a1', cause: 'budget', stop: true }))).toBe(key(ev({ type: 'paused', agent: 'a2', cause: 'budget', stop: true })));
    expect(key(ev({ type: 'failed', task: 't1', gen: 1 }))).not.toBe(key(ev({ type: 'failed', task: 't1', gen: 2 })));
  });
});

describe('Notifier', () => {
  const servers: http.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('sends a fact once, drops what does not fit in line, and reports each failure without throwing', async () => {
    const got: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push((JSON.parse(body) as { task: string }).task);
        setTimeout(() => res.end(), 100);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const failures: { hook: string; task: string | null; reason: string }[] = [];
    const notifier = new Notifier({
      settings: { webhooks: [url, 'http://127.0.0.1:1/'], maxInFlight: 1, maxQueued: 2, timeoutMs: 2000 },
      run: 'sup-test',
      cwd: tmpDir(),
      dashboardFile: path.join(tmpDir(), 'dashboard.json'),
      onFailure: (f) => failures.push(f),
    });
    notifier.observe(ev({ type: 'failed', task: 't1', gen: 1, reason: 'x' }));
    notifier.observe(ev({ type: 'failed', agent: 'other', task: 't1', gen: 1, reason: 'x' }));
    notifier.observe(ev({ type: 'failed', task: 't2', gen: 1, reason: 'x' }));
    await notifier.close();
    // t1 to the server runs, t1 to port 1 and t2 to the server wait, t2 to port 1 finds the line full.
    expect(got).toEqual(['t1', 't2']);
    expect(failures.map((f) => [f.hook, f.task])).toEqual([['http://127.0.0.1:1/', 't2'], ['http://127.0.0.1:1/', 't1']]);
    expect(failures[0]!.reason).toMatch(/^dropped: 2 notifications already wait/);
    expect(failures[1]!.reason).toMatch(/ECONNREFUSED/);
  });
});
