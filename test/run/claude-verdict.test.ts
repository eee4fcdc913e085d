// A review stage run by the real Claude Code CLI against a fake Messages API: the reviewer writes no
// verdict file, it ends its final text with a `VERDICT:` line. Asked for changes once, the implementer
// runs again with the notes in its prompt; the second review approves and the task lands once.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claudeBin, fakeClaudeEnv } from '../helpers/claude-bin.js';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';
import { startFakeAnthropic, workingDirectory, type FakeAnthropic } from '../fixtures/fake-anthropic.mjs';

type Body = { messages?: Array<{ role: string; content: unknown }>; tools?: Array<{ name: string }> };

const text = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((b: { type: string; text?: string; content?: unknown }) => (b.type === 'text' ? (b.text ?? '') : b.type === 'tool_result' ? text(b.content) : '')).join('\n') : '';

const NOTES = 'Only half of it is there.\nPlease add a second line to feat.txt.';
const reviews: number[] = [];

// The implementer writes feat.txt (two lines once told to); the reviewer reads it from its worktree.
function script(body: Body): unknown {
  const messages = body.messages ?? [];
  const prompt = text(messages.find((m) => m.role === 'user')?.content);
  if (!(body.tools ?? []).some((t) => t.name === 'Write')) return { content: [{ type: 'text', text: 'ok' }] };
  const cwd = workingDirectory(body) ?? process.cwd();
  if (prompt.includes('You are the reviewer')) {
    const lines = fs.readFileSync(path.join(cwd, 'feat.txt'), 'utf8').trim().split('\n').length;
    reviews.push(lines);
    return { content: [{ type: 'text', text: lines < 2 ? `${NOTES}\nVERDICT: changes` : 'Both lines are there.\nVERDICT: approve' }] };
  }
  const last = messages[messages.length - 1];
  if (Array.isArray(last?.content) && last.content.some((b: { type: string }) => b.type === 'tool_result')) return { content: [{ type: 'text', text: 'done' }] };
  // A shell command, not Write: Write refuses a file it has not read first, as feat.txt is the second time.
  const command = prompt.includes('Please add a second line') ? "printf 'one\\ntwo\\n' > feat.txt" : "printf 'one\\n' > feat.txt";
  return { content: [{ type: 'tool_use', name: 'Bash', input: { command, description: 'write feat.txt' } }], stop_reason: 'tool_use' };
}

let api: FakeAnthropic;
beforeAll(async () => {
  api = await startFakeAnthropic({ script });
});
afterAll(() => api.close());

let repo = '';
afterEach(() => killProcessesIn(repo));

describe('run: a Claude reviewer gives its verdict in its final text', () => {
  it('`VERDICT: changes` once sends the notes to the implementer, `VERDICT: approve` lands the task once', async () => {
    repo = tmpRepo();
    writeConfig(repo, { agent: 'claude', agentSettings: { claude: { bin: claudeBin() } } });
    writeTask(repo, 'feat', { stages: ['implement', 'review'] }, 'Create feat.txt. WRITE_FILE: feat.txt CONTENT: one');
    const env = { ...fakeClaudeEnv(api.url, tmpDir('pl-claude-home-')), CLAUDE_CODE_MAX_RETRIES: '0' };
    const run = await runCli(repo, ['run', '--agents', '1', '--once', '--rescan-ms', '100', '--retry-backoff-ms', '20', '--timeout', '60'], env);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['feat.json']);
    const started = readEvents(repo).filter((e) => e.type === 'attempt-started' && e.task === 'feat');
    expect(started.map((e) => (e as { stage?: string }).stage)).toEqual(['implement', 'review', 'implement', 'review']);
    expect(reviews).toEqual([1, 2]);
    // The history: the first review asked for changes with its notes, the second approved.
    const released = (gen: number) => JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop/claims/feat', `${gen}.released`), 'utf8'));
    expect(released(2)).toMatchObject({ outcome: 'retry', stage: 'review', verdict: 'changes', nextStage: 'implement' });
    expect(released(2).note.text).toContain('Please add a second line to feat.txt.');
    expect(released(4)).toMatchObject({ outcome: 'done', stage: 'land', verdict: 'approve' });
    const prompt = fs.readFileSync(path.join(repo, '.parallel-loop/agents/agent-1/prompts/feat.3.md'), 'utf8');
    expect(prompt).toContain('Please add a second line to feat.txt.');
    expect(git(repo, 'show', 'main:feat.txt')).toBe('one\ntwo');
    expect(git(repo, 'log', '--format=%s', 'main').split('\n').filter((s) => s.startsWith('Land task feat'))).toHaveLength(1);
  }, 120_000);
});
