// The board from the frozen real run (test/fixtures/status-run): its columns count what `status --json` counts.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boardView, COLUMNS, PHASE_COLUMN } from '../../src/dashboard/board.js';
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

  it('marks an agent whose heartbeat is older than the limit, unless it is gone', () => {
    const agents = [{ ...expected.agents[0]!, alive: true, heartbeatAgeMs: 20_000 }, { ...expected.agents[0]!, id: 'agent-9', alive: false, heartbeatAgeMs: 20_000 }];
    expect(boardView({ ...expected, agents }, () => null, 15_000).agents.map((a) => a.stale)).toEqual([true, false]);
  });
});
