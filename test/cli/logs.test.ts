// `logs`: an attempt's log found from the task's claim history or the agent's heartbeat, Claude Code
// stream-json rendered as readable lines (or raw), and followed until the attempt's claim is released.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, runCli, startCli } from '../helpers/run-cli.js';
import { layoutFor } from '../../src/queue/layout.js';
import { QueueStore } from '../../src/queue/store.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/claude-stream.jsonl');

let repo = '';
afterEach(() => killProcessesIn(repo));

/** An attempt of `task` by agent-1 at the next generation, with `log` as its output; released unless `live`. */
function attempt(task: string, log: string, live = false): { store: QueueStore; gen: number; file: string } {
  const store = new QueueStore(layoutFor(repo));
  store.init();
  const claim = store.claims.claim(task, { agentId: 'agent-1', pid: process.pid, host: 'test', file: `${task}.md` });
  if (!claim.ok) throw new Error('claim failed');
  const file = path.join(repo, '.parallel-loop/agents/agent-1/logs', `${task}.${claim.gen}.log`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, log);
  if (!live) store.claims.release(task, claim.gen, { outcome: 'retry', attempted: true }, 'agent-1');
  return { store, gen: claim.gen, file };
}

describe('logs', () => {
  it('renders Claude Code stream-json as tool calls, results and cost; --raw prints it as written', async () => {
    repo = tmpRepo();
    const raw = fs.readFileSync(fixture, 'utf8');
    attempt('fix', raw);

    const shown = await runCli(repo, ['logs', 'fix']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stderr).toContain('==> fix generation 1 by agent-1 (retry)');
    const lines = shown.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^start  claude started: model /);
    expect(lines).toContain('tool   Bash: cat hello.txt');
    expect(lines).toContain('result ok: hello world');
    expect(lines.at(-1)).toBe('end    done, 4 turns, $0.0400, 4000 in / 800 out tokens');
    expect(shown.stdout).not.toContain('{"type"');

    const asWritten = await runCli(repo, ['logs', 'fix', '--raw']);
    expect(asWritten.stdout).toBe(raw.endsWith('\n') ? raw : `${raw}\n`);
  });

  it('picks an attempt with --attempt, keeps plain output as is, and names what is missing', async () => {
    repo = tmpRepo();
    attempt('t', 'first try\n  indented\n');
    attempt('t', '{"custom":"json from another agent"}\nsecond try\n');
    expect((await runCli(repo, ['logs', 't', '--attempt', '1'])).stdout).toBe('first try\n  indented\n');
    expect((await runCli(repo, ['logs', 't'])).stdout).toBe('{"custom":"json from another agent"}\nsecond try\n');
    const json = JSON.parse((await runCli(repo, ['logs', 't', '--attempt', '2', '--json'])).stdout);
    expect(json).toMatchObject({ task: 't', gen: 2, agentId: 'agent-1', lines: ['{"custom":"json from another agent"}', 'second try'] });

    const beyond = await runCli(repo, ['logs', 't', '--attempt', '3']);
    expect(beyond.code).toBe(5);
    expect(beyond.stderr).toContain('Task `t` has 2 attempts with a log');
    const none = await runCli(repo, ['logs', 'ghost']);
    expect(none.code).toBe(5);
    expect(none.stderr).toContain('no task or agent `ghost`');
  });

  it('-f prints lines as they are appended and stops when the attempt is released', async () => {
    repo = tmpRepo();
    const { store, gen, file } = attempt('live', 'line one\n', true);
    const follow = startCli(repo, ['logs', 'live', '-f']);
    await follow.waitForOutput('line one');
    fs.appendFileSync(file, 'line two\n');
    await follow.waitForOutput('line two');
    fs.appendFileSync(file, 'last line\n');
    store.claims.release('live', gen, { outcome: 'done', attempted: true }, 'agent-1');
    const result = await follow.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('line one\nline two\nlast line\n');
  });

  it('shows what an agent is working on, from its heartbeat', async () => {
    repo = tmpRepo();
    const { gen } = attempt('current', 'working\n', true);
    const heartbeat = { agentId: 'agent-1', pid: process.pid, host: 'test', task: 'current', gen, phase: 'agent' };
    fs.writeFileSync(path.join(repo, '.parallel-loop/agents/agent-1/heartbeat.json'), JSON.stringify(heartbeat));
    const result = await runCli(repo, ['logs', 'agent-1']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('current generation 1 by agent-1 (running)');
    expect(result.stdout).toBe('working\n');
  });
});
