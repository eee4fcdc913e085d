// Status of a state made by a real run (test/fixtures/status-run/make.mjs) and frozen: two agents,
// three tasks landed, one failed, one held by a dirty checkout, one still running. The expected
// table, JSON and board are checked in next to it; `vitest -u` rewrites them after a deliberate change.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../src/queue/layout.js';
import { statusPass } from '../../src/status/pass.js';
import { formatJson, formatTable } from '../../src/status/format.js';
import type { ProcessRef } from '../../src/status/snapshot.js';
import { tmpDir } from '../helpers/tmp.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/status-run');
const frozen = JSON.parse(fs.readFileSync(path.join(fixture, 'fixture.json'), 'utf8')) as { now: string; livePids: number[] };
const now = Date.parse(frozen.now);
// At the frozen instant the run was live: its processes count as alive.
const isAlive = (ref: ProcessRef) => (ref.host === 'fixture-host' ? frozen.livePids.includes(ref.pid) : undefined);

/** A copy of the frozen state: a pass writes status.json, board.md and the cache into it. */
function copyOfFixture(): string {
  const repo = tmpDir('pl-status-fixture-');
  fs.cpSync(path.join(fixture, 'state', 'queue'), path.join(repo, 'queue'), { recursive: true });
  fs.cpSync(path.join(fixture, 'state', 'parallel-loop'), path.join(repo, '.parallel-loop'), { recursive: true });
  return repo;
}

function anonymous(text: string, repo: string): string {
  return text.split(repo).join('/repo');
}

describe('status of a frozen real run', () => {
  it('matches the checked table, JSON and board', async () => {
    const repo = copyOfFixture();
    const layout = layoutFor(repo);
    const { status } = await statusPass(layout, { now, isAlive, measure: false });
    const table = formatTable(status, { width: 80 }).join('\n') + '\n';
    console.log(anonymous(table, repo));
    await expect(anonymous(table, repo)).toMatchFileSnapshot(path.join(fixture, 'expected-table.txt'));
    await expect(anonymous(formatJson(status), repo) + '\n').toMatchFileSnapshot(path.join(fixture, 'expected.json'));
    await expect(fs.readFileSync(layout.board, 'utf8')).toMatchFileSnapshot(path.join(fixture, 'expected-board.md'));
    expect(fs.readFileSync(layout.statusJson, 'utf8')).toBe(formatJson(status) + '\n');
  });

  it('reads the same status again from its cache, and from scratch without it', async () => {
    const repo = copyOfFixture();
    const layout = layoutFor(repo);
    const first = await statusPass(layout, { now, isAlive, measure: false });
    expect(fs.existsSync(path.join(layout.state, 'status-cache.json'))).toBe(true);
    const cached = await statusPass(layout, { now, isAlive, measure: false });
    expect(cached.status).toEqual(first.status);
    fs.rmSync(path.join(layout.state, 'status-cache.json'));
    expect((await statusPass(layout, { now, isAlive, measure: false })).status).toEqual(first.status);
  });

  it('picks up lines appended after the cache was written, and starts over when the log is replaced', async () => {
    const repo = copyOfFixture();
    const layout = layoutFor(repo);
    const before = await statusPass(layout, { now, isAlive, measure: false });
    fs.appendFileSync(layout.events, JSON.stringify({ time: frozen.now, type: 'attempt-finished', agent: 'agent-2', task: 'slow', gen: 1, attempt: 1, durationMs: 2000, usage: { costUsd: 0.25 } }) + '\n');
    // A torn last line (a writer mid-append) is left for the next pass.
    fs.appendFileSync(layout.events, '{"time":"2030-01-01T00:00:05.000Z","type":"fai');
    const after = await statusPass(layout, { now, isAlive, measure: false });
    expect(after.status.costUsd).toBe(before.status.costUsd + 0.25);
    expect(after.status.work.attempts).toBe(before.status.work.attempts);
    fs.writeFileSync(layout.events + '.new', '');
    fs.renameSync(layout.events + '.new', layout.events);
    const replaced = await statusPass(layout, { now, isAlive, measure: false });
    expect(replaced.status.work.attempts).toBe(0);
    expect(replaced.status.recent.done).toEqual([]);
  });
});
