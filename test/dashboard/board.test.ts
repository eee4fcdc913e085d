// The board from the frozen real run (test/fixtures/status-run): its columns count what `status --json` counts.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boardView, COLUMNS, PHASE_COLUMN } from '../../src/dashboard/board.js';
import { placeTasks } from '../../src/status/columns.js';
import type { Status } from '../../src/status/types.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/status-run');
const expected = JSON.parse(fs.readFileSync(path.join(fixture, 'expected.json'), 'utf8')) as Status;

describe('dashboard board', () => {
  it('counts what status counts, column by column', () => {
    const board = boardView(expected, (id) => `Task ${id}`, 15_000);
    const count = (id: string) => board.columns.find((c) => c.id === id)!.count;
    expect(board.columns.map((c) => c.title)).toEqual(['Queued', 'Implementing', 'In review', 'Testing', 'Landing', 'Done', 'Failed / Escalated']);
    expect(count('queued')).toBe(expected.queued.total);
    expect(count('implementing') + count('review') + count('testing') + count('landing')).toBe(expected.counts.running + expected.counts.landing);
    expect(count('done')).toBe(expected.counts.done);
    expect(count('failed')).toBe(expected.counts.failed);
    expect(board.counts).toEqual(expected.counts);
    expect(board.columns.find((c) => c.id === 'failed')!.cards[0]).toMatchObject({ id: 'bad', title: 'Task bad', reason: expect.stringContaining('exit code 3') });
  });

  it('puts a running task by its phase: verifying and landing are Landing, the rest Implementing', () => {
    const running = (phase: string) => ({ ...expected, running: [{ ...expected.running[0]!, phase }] });
    expect(boardView(running('landing'), () => null, 1).columns.find((c) => c.id === 'landing')!.cards.map((c) => c.id)).toContain(expected.running[0]!.task);
    expect(boardView(running('setup'), () => null, 1).columns.find((c) => c.id === 'implementing')!.count).toBe(1);
    expect(Object.values(PHASE_COLUMN).every((c) => COLUMNS.some((col) => col.id === c))).toBe(true);
  });

  it('puts pipeline tasks in In review and Testing by their stage, in hand or waiting, as board.md does', () => {
    const base = expected.running[0]!;
    const status: Status = {
      ...expected,
      running: [{ ...base, task: 'rev', stage: 'review' }, { ...base, task: 'tst', stage: 'test', phase: 'verifying' }],
      waiting: [{ task: 'w', stage: 'review', since: expected.generatedAt }],
      queued: { total: 2, next: ['fresh', 'w'] },
      recent: { ...expected.recent, failed: [{ ...expected.recent.failed[0]!, escalated: true }] },
    };
    const board = boardView(status, () => null, 15_000);
    const column = (id: string) => board.columns.find((c) => c.id === id)!;
    expect(column('review').cards.map((c) => [c.id, c.waiting])).toEqual([['rev', false], ['w', true]]);
    expect(column('review').cards[1]).toMatchObject({ stage: 'review', reason: 'waiting for review' });
    expect(column('testing').cards.map((c) => c.id)).toEqual(['tst']);
    expect(column('queued')).toMatchObject({ count: 1, cards: [{ id: 'fresh' }] });
    expect(column('failed').cards[0]!.escalated).toBe(true);
    // The same placement as board.md: one count per column, the same in both.
    expect(board.columns.map((c) => c.count)).toEqual(placeTasks(status).map((c) => c.count));
  });

  it('carries the pull request of a task done with land: pr on its Done card', () => {
    const url = 'https://github.example/acme/app/pull/7';
    const done = [{ ...expected.recent.done[0]!, landing: 'pr', url }, ...expected.recent.done.slice(1)];
    const card = boardView({ ...expected, recent: { ...expected.recent, done } }, () => null, 15_000).columns.find((c) => c.id === 'done')!.cards[0]!;
    expect(card).toMatchObject({ id: done[0]!.task, url });
    expect(boardView(expected, () => null, 15_000).columns.find((c) => c.id === 'done')!.cards.every((c) => c.url === null)).toBe(true);
  });

  it('marks an agent whose heartbeat is older than the limit, unless it is gone', () => {
    const agents = [{ ...expected.agents[0]!, alive: true, heartbeatAgeMs: 20_000 }, { ...expected.agents[0]!, id: 'agent-9', alive: false, heartbeatAgeMs: 20_000 }];
    expect(boardView({ ...expected, agents }, () => null, 15_000).agents.map((a) => a.stale)).toEqual([true, false]);
  });

  it('marks the agents status calls stale (a dead host\'s, reclaimed), with a fresh heartbeat, and passes the hosts on', () => {
    const agents = [{ ...expected.agents[0]!, id: 'b/agent-1', host: 'b', alive: null, stale: true, heartbeatAgeMs: 100 }];
    const hosts = [{ host: 'b', agents: 1, alive: 0, stale: 1 }];
    const board = boardView({ ...expected, agents, hosts }, () => null, 15_000);
    expect(board.agents.map((a) => a.stale)).toEqual([true]);
    expect(board.hosts).toEqual(hosts);
  });
});
