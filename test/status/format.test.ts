import { describe, expect, it } from 'vitest';
import { formatBoard } from '../../src/status/board.js';
import { colorEnabled } from '../../src/status/color.js';
import { formatTable, summaryLine } from '../../src/status/format.js';
import type { AgentRow, FinishedRow, RunningRow, Status } from '../../src/status/types.js';

const NOW = '2030-01-01T01:00:00.000Z';

function agent(n: number, fields: Partial<AgentRow> = {}): AgentRow {
  return {
    id: `agent-${n}`, pid: 4100 + n, host: 'h', alive: true, stale: false, phase: 'agent', task: `task-${n}`, gen: 1, attempt: 1,
    elapsedMs: 65_000, heartbeatAgeMs: 1200, lastEvent: 'Bash: npm test -- --run a very long command line that cannot fit', lastEventAt: NOW,
    note: null, cpu: 12.5, memoryBytes: 80 * 1024 * 1024, costUsd: 0.1234, done: 2, failed: 0, ...fields,
  };
}

function finished(task: string, fields: Partial<FinishedRow> = {}): FinishedRow {
  return { task, outcome: 'done', at: '2030-01-01T00:59:00.000Z', agent: 'agent-1', attempt: 1, durationMs: 5000, costUsd: null, landing: 'landed', commit: 'abcdef0123456789'.repeat(2) + 'abcdef01', branch: `pl/${task}/1`, reason: null, escalated: false, ...fields };
}

function status(fields: Partial<Status> = {}): Status {
  return {
    version: 1, generatedAt: NOW, repo: '/work/repo', queue: '/work/repo/queue', state: '/work/repo/.parallel-loop', active: true,
    counts: { inbox: 12, running: 3, done: 40, failed: 2, rejected: 0, landing: 1 },
    agents: [agent(1), agent(2, { phase: 'landing' }), agent(3, { alive: false, phase: 'agent' })],
    hosts: [{ host: 'h', agents: 3, alive: 2, stale: 0 }],
    running: [{ task: 'task-1', gen: 1, agent: 'agent-1', attempt: 2, phase: 'agent', stage: null, startedAt: NOW, elapsedMs: 65_000, owner: 'alive' }],
    landing: [{ task: 'held-one', agent: 'agent-2', attempt: 1, since: NOW, reason: 'main has unstaged changes' }],
    waiting: [],
    stages: { implement: 1, review: 0, test: 0, landing: 1 },
    queued: { total: 11, next: ['a|b', 'plain'] },
    recent: { done: [finished('t9')], failed: [finished('bad', { outcome: 'failed', reason: 'exit code 3\nand more', landing: null, commit: null })] },
    throughput: { windowMs: 3600_000, donePerHour: 40, doneLastHour: 40, failedLastHour: 2, inboxEtaMs: 21 * 60_000 },
    work: { since: NOW, wallMs: 3600_000, busyMs: 3 * 3600_000, speedup: 3, attempts: 45 },
    costUsd: 4.5,
    ...fields,
  };
}

const visible = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '');

describe('formatTable', () => {
  it('fits 80 columns, cutting long cells with …', () => {
    const lines = formatTable(status(), { width: 80 });
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.join('\n')).toContain('…');
    expect(lines.find((l) => l.startsWith('agent-3'))).toMatch(/ no .* died:agent/);
  });

  it('groups the agents of several hosts under a line per host, and marks the stale ones', () => {
    const agents = [
      agent(1, { id: 'a/agent-1', host: 'a' }),
      agent(2, { id: 'a/agent-2', host: 'a', phase: 'idle', task: null }),
      agent(1, { id: 'b/agent-1', host: 'b', alive: null, stale: true, task: 'task-9' }),
    ];
    const hosts = [{ host: 'a', agents: 2, alive: 2, stale: 0 }, { host: 'b', agents: 1, alive: 0, stale: 1 }];
    const lines = formatTable(status({ agents, hosts }), { width: 100 });
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(lines[at('host a')]).toBe('host a · 2 agents');
    expect(lines[at('host b')]).toBe('host b · 1 agent · 1 stale');
    expect([at('AGENT'), at('host a'), at('a/agent-1'), at('a/agent-2'), at('host b'), at('b/agent-1')]).toEqual([...Array(6).keys()].map((n) => at('AGENT') + n));
    expect(lines[at('b/agent-1')]).toMatch(/ \? .*task-9 .*stale:agent/);
    expect(summaryLine(status({ agents, hosts }))).toContain('b/agent-1:stale:task-9');
  });

  it('draws no host lines for agents of one host', () => {
    expect(formatTable(status(), { width: 100 }).some((l) => l.startsWith('host '))).toBe(false);
  });

  it('drops the least useful columns in a narrow terminal and keeps agent, task and phase', () => {
    const lines = formatTable(status(), { width: 40 });
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    const header = lines.find((l) => l.startsWith('AGENT'))!;
    expect(header).toMatch(/^AGENT .*TASK .*PHASE/);
    expect(header).not.toContain('PID');
  });

  it('says in full why a live agent is paused, wrapped to the width', () => {
    const note = 'CPU used outside this run at 97% has stayed above pauseCpuPercent 80% for 42 s: agent-1 takes the next task';
    const lines = formatTable(status({ agents: [agent(1), agent(2, { phase: 'paused', task: null, note }), agent(3, { alive: false, phase: 'paused', note: 'old' })] }), { width: 60 });
    const start = lines.findIndex((l) => l.startsWith('Paused'));
    const section = lines.slice(start, lines.indexOf('', start));
    expect(section.join(' ').replace(/\s+/g, ' ')).toBe(`Paused agent-2: ${note}`);
    for (const line of section) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('cuts rows to the terminal height, agent rows last', () => {
    const many = status({ agents: Array.from({ length: 20 }, (_, i) => agent(i + 1)) });
    const lines = formatTable(many, { width: 80, height: 12 });
    expect(lines).toHaveLength(12);
    expect(lines.at(-1)).toMatch(/^… \d+ more agents/);
    const short = formatTable(status(), { width: 80, height: 12 });
    expect(short.join('\n')).not.toContain('Recent');
    expect(short.join('\n')).toContain('Landing');
    expect(formatTable(status(), { width: 80 }).join('\n')).toContain('failed bad by agent-1: exit code 3 and more');
  });

  it('colors only when asked to, without changing the layout', () => {
    const plain = formatTable(status(), { width: 80 });
    const colored = formatTable(status(), { width: 80, color: true });
    expect(plain.join('\n')).not.toMatch(/\x1b\[/);
    expect(colored.join('\n')).toMatch(/\x1b\[32m/);
    expect(colored.map(visible)).toEqual(plain);
  });

  it('gives one summary line that leaves out nothing a watcher waits for', () => {
    expect(summaryLine(status())).toBe('01:00:00 inbox 12 running 3 landing 1 done 40 failed 2 | agent-1:agent:task-1 agent-2:landing:task-2 agent-3:gone:task-3');
  });
});

describe('colorEnabled', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
    [{ TERM: 'dumb' }, true, false],
  ])('env %j on a TTY=%s → %s', (env, tty, expected) => {
    expect(colorEnabled(env as NodeJS.ProcessEnv, tty)).toBe(expected);
  });
});

describe('formatTable stages', () => {
  it('has a line of tasks per stage once a pipeline is in play, and none before', () => {
    expect(formatTable(status(), { width: 100 }).some((l) => l.startsWith('Stages'))).toBe(false);
    const piped = status({ waiting: [{ task: 'w', stage: 'review', since: NOW }], stages: { implement: 1, review: 2, test: 0, landing: 1 } });
    expect(formatTable(piped, { width: 100 })).toContain('Stages implement 1 · review 2 · test 0 · landing 1 (1 waiting)');
  });
});

describe('formatBoard', () => {
  it('has the sections of a tracking board, with agents, attempts, commits and reasons', () => {
    const board = formatBoard(status());
    const sections = board.split('\n').filter((l) => l.startsWith('## '));
    expect(sections).toEqual(['## Queued (11)', '## Implementing (1)', '## In review (0)', '## Testing (0)', '## Landing (1)', '## Done (40)', '## Failed / Escalated (2)']);
    expect(board).toContain('| [RETRY] task-1 | agent-1 | 2 | agent | 1m05s |');
    expect(board).toContain('- held-one: main has unstaged changes (attempt 1 by agent-2, since 2030-01-01T01:00:00.000Z)');
    expect(board).toContain('- t9: landed `abcdef012345` (agent-1, attempt 1, 2030-01-01T00:59:00.000Z)');
    expect(board).toContain('- bad: exit code 3 and more (agent-1, attempt 1, 2030-01-01T00:59:00.000Z)');
    expect(board).toContain('- … and 39 more in queue/done/');
    // A task id with Markdown in it stays text.
    expect(board).toContain('- a\\|b');
    expect(board).toContain('- … and 9 more in the queue folder');
  });

  it('says none for empty sections', () => {
    const empty = status({ counts: { inbox: 0, running: 0, done: 0, failed: 0, rejected: 0, landing: 0 }, running: [], landing: [], queued: { total: 0, next: [] }, recent: { done: [], failed: [] } });
    expect(formatBoard(empty).match(/_none_/g)).toHaveLength(7);
  });

  it('puts pipeline tasks in the column of their stage, in hand or waiting, and marks escalated failures', () => {
    const row = (task: string, stage: RunningRow['stage'], phase = 'agent'): RunningRow => ({ task, gen: 2, agent: 'agent-1', attempt: 1, phase, stage, startedAt: NOW, elapsedMs: 1000, owner: 'alive' });
    const board = formatBoard(
      status({
        running: [row('impl', 'implement'), row('rev', 'review'), row('tst', 'test', 'verifying'), row('lnd', 'land', 'landing')],
        waiting: [{ task: 'next-review', stage: 'review', since: NOW }],
        queued: { total: 3, next: ['fresh', 'next-review', 'other'] },
        recent: { done: [], failed: [finished('stuck', { outcome: 'failed', reason: 'review asked for changes', escalated: true })] },
      }),
    );
    const sections = board.split('\n').filter((l) => l.startsWith('## '));
    expect(sections).toEqual(['## Queued (2)', '## Implementing (1)', '## In review (2)', '## Testing (1)', '## Landing (2)', '## Done (40)', '## Failed / Escalated (2)']);
    const review = board.slice(board.indexOf('## In review'), board.indexOf('## Testing'));
    expect(review).toContain('| rev | agent-1 | 1 | agent |');
    expect(review).toContain(`- next-review: waiting for review (since ${NOW})`);
    expect(board.slice(board.indexOf('## Testing'), board.indexOf('## Landing'))).toContain('| tst | agent-1 | 1 | verifying |');
    expect(board).not.toMatch(/^- next-review$/m);
    expect(board).toContain('- [ESCALATED] stuck: review asked for changes');
  });
});
