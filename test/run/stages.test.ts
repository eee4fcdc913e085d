// Pipeline stages through the `command` adapter: every stage on the task's branch, continuing from the
// previous stage's commits, whichever worker takes it; verdicts in PL_VERDICT_FILE; landing ours.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Status } from '../../src/status/types.js';
import { tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, startCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';

const agent = path.resolve('test/fixtures/agents/stage-agent.mjs');
const fast = ['--once', '--rescan-ms', '100', '--retry-backoff-ms', '20', '--monitor-ms', '200'];
let repo = '';
afterEach(() => killProcessesIn(repo));

function configure(extra: Record<string, unknown> = {}): void {
  writeConfig(repo, { agent: 'command', agentSettings: { command: { template: [process.execPath, agent] } }, stages: ['implement', 'review', 'test'], ...extra });
}

function stagesOf(task: string): string[] {
  return readEvents(repo).filter((e) => e.type === 'attempt-started' && e.task === task).map((e) => String((e as { stage?: string }).stage));
}

function stateFile(gen: number, task: string, suffix: string): string {
  const agents = path.join(repo, '.parallel-loop', 'agents');
  for (const a of fs.readdirSync(agents)) {
    const file = path.join(agents, a, suffix === 'prompt' ? 'prompts' : 'stages', suffix === 'prompt' ? `${task}.${gen}.md` : `${task}.${gen}.${suffix}`);
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  }
  throw new Error(`no ${suffix} for ${task} gen ${gen}`);
}

describe('run: pipeline stages', () => {
  it('a reviewer asks for changes once: the notes reach the implementer, then it approves and the task lands', async () => {
    repo = tmpRepo();
    configure();
    writeTask(repo, 'feat', { env: { REVIEW: 'changes-once' } });
    const result = await runCli(repo, ['run', '--agents', '2', ...fast]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(['feat.json']);
    expect(stagesOf('feat')).toEqual(['implement', 'review', 'implement', 'review', 'test']);
    // Generation 3 is the second implement: its prompt and PL_FEEDBACK_FILE carry the review's notes.
    expect(stateFile(3, 'feat', 'prompt')).toContain('please add a second line to feat.txt');
    expect(stateFile(3, 'feat', 'feedback.md')).toContain('please add a second line to feat.txt');
    expect(git(repo, 'show', 'main:feat.txt').split('\n')).toHaveLength(2);
    expect(git(repo, 'log', '--format=%s', 'main').split('\n').filter((s) => s.startsWith('Land task feat'))).toHaveLength(1);
  });

  it('a task asked for changes twice is escalated, with every note in its error record, and `retry` sends it back to implement', async () => {
    repo = tmpRepo();
    configure();
    writeTask(repo, 'stuck', { env: { REVIEW: 'changes' } });
    const result = await runCli(repo, ['run', '--agents', '1', ...fast]);
    expect(result.code).toBe(1);
    expect(tasksIn(repo, 'failed')).toEqual(['stuck.json']);
    const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue', 'failed', 'stuck.error.json'), 'utf8'));
    expect(record).toMatchObject({ escalated: true, verdict: 'changes', stage: 'review' });
    expect(record.notes.filter((n: { kind: string }) => n.kind === 'changes')).toHaveLength(2);
    expect(readEvents(repo).filter((e) => e.type === 'escalated')).toHaveLength(1);
    expect(stagesOf('stuck')).toEqual(['implement', 'review', 'implement', 'review']);

    expect((await runCli(repo, ['retry', 'stuck'])).code).toBe(0);
    await runCli(repo, ['run', '--agents', '1', ...fast]);
    expect(stagesOf('stuck').slice(4, 5)).toEqual(['implement']);
  });

  it('a reviewer that rejects escalates at once', async () => {
    repo = tmpRepo();
    configure();
    writeTask(repo, 'nope', { env: { REVIEW: 'reject' } });
    expect((await runCli(repo, ['run', '--agents', '1', ...fast])).code).toBe(1);
    expect(stagesOf('nope')).toEqual(['implement', 'review']);
    const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue', 'failed', 'nope.error.json'), 'utf8'));
    expect(record).toMatchObject({ escalated: true, verdict: 'reject', reason: 'review rejected the change: the approach is wrong' });
  });

  it('a tester whose targeted command fails fixes it on the second try; {changed} names the branch\'s files', async () => {
    repo = tmpRepo();
    configure();
    const out = path.join(repo, '..', `${path.basename(repo)}-changed.txt`);
    writeTask(repo, 'fx', { env: { REVIEW: 'silent', TESTER: 'fix' }, test: `printf '%s\\n' {changed} > ${out}; test -f fx.fixed` });
    const result = await runCli(repo, ['run', '--agents', '1', ...fast]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(stagesOf('fx')).toEqual(['implement', 'review', 'test', 'test']);
    expect(stateFile(4, 'fx', 'prompt')).toContain('The test command failed');
    expect(fs.readFileSync(out, 'utf8').trim().split('\n').sort()).toEqual(['fx.fixed', 'fx.txt']);
    expect(git(repo, 'show', 'main:fx.fixed')).toBe('fixed');
    fs.rmSync(out, { force: true });
  });

  it('the test stage merges the current target first; a conflict is a failed stage naming the files', async () => {
    repo = tmpRepo();
    configure();
    writeTask(repo, 'race', { env: { REVIEW: 'race' } });
    const result = await runCli(repo, ['run', '--agents', '1', ...fast]);
    expect(result.code).toBe(1);
    expect(stagesOf('race')).toEqual(['implement', 'review', 'test', 'test']);
    const retry = readEvents(repo).find((e) => e.type === 'retry' && e.task === 'race');
    expect(retry).toMatchObject({ reason: 'test stage: merging main conflicted in race.txt' });
    const record = JSON.parse(fs.readFileSync(path.join(repo, 'queue', 'failed', 'race.error.json'), 'utf8'));
    expect(record).toMatchObject({ escalated: true, stage: 'test', files: ['race.txt'] });
  });

  it('12 tasks with three stages on 3 agents: each landed exactly once, every stage in its history', async () => {
    repo = tmpRepo();
    configure();
    const ids = Array.from({ length: 12 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
    for (const id of ids) writeTask(repo, id, { env: { REVIEW: 'silent' } });
    const result = await runCli(repo, ['run', '--agents', '3', ...fast]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done')).toEqual(ids.map((id) => `${id}.json`));
    const subjects = git(repo, 'log', '--first-parent', '--format=%s', 'main').split('\n');
    for (const id of ids) {
      expect(subjects.filter((s) => s.startsWith(`Land task ${id}:`)), id).toHaveLength(1);
      const events = readEvents(repo).filter((e) => e.task === id);
      expect(stagesOf(id), `${id}: ${JSON.stringify(events, null, 1)}`).toEqual(['implement', 'review', 'test']);
    }
    // Stages of one task were taken by more than one agent: the pool is shared.
    const agents = new Set(readEvents(repo).filter((e) => e.type === 'attempt-started').map((e) => e.agent));
    expect(agents.size).toBeGreaterThan(1);
  }, 120_000);

  it('`status --json` counts the tasks per stage while a review runs, and after the run marks the escalated failure', async () => {
    repo = tmpRepo();
    configure();
    const release = path.join(repo, '..', `${path.basename(repo)}-release-review`);
    writeTask(repo, 'held', { env: { HOLD_REVIEW: release } });
    writeTask(repo, 'nope', { env: { REVIEW: 'reject' } });
    const run = startCli(repo, ['run', '--agents', '2', ...fast]);
    const status = async () => JSON.parse((await runCli(repo, ['status', '--json'])).stdout) as Status;
    let during: Status | undefined;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const s = await status();
      if (s.stages.review === 1 && s.counts.failed === 1) {
        during = s;
        break;
      }
    }
    expect(during, 'no status with held in review and nope failed').toBeDefined();
    expect(during!.stages).toEqual({ implement: 0, review: 1, test: 0, landing: 0 });
    expect(during!.running.map((r) => [r.task, r.stage])).toEqual([['held', 'review']]);
    // `ls queue/running` shows the task with its stage.
    expect(fs.readdirSync(path.join(repo, 'queue', 'running')).sort()).toEqual(['held.json', 'held@review']);
    const board = fs.readFileSync(path.join(repo, '.parallel-loop', 'board.md'), 'utf8');
    expect(board.slice(board.indexOf('## In review (1)'), board.indexOf('## Testing'))).toMatch(/^\| held \| agent-\d \|/m);
    fs.writeFileSync(release, '');
    const result = await run.done;
    fs.rmSync(release, { force: true });
    expect(result.code).toBe(1);
    const after = await status();
    expect(after.stages).toEqual({ implement: 0, review: 0, test: 0, landing: 0 });
    expect(after.counts).toMatchObject({ done: 1, failed: 1 });
    expect(fs.readdirSync(path.join(repo, 'queue', 'running'))).toEqual([]);
    expect(after.recent.failed.map((f) => [f.task, f.escalated])).toEqual([['nope', true]]);
    expect(fs.readFileSync(path.join(repo, '.parallel-loop', 'board.md'), 'utf8')).toContain('- [ESCALATED] nope: review rejected the change');
  }, 60_000);
});
