// `plan` and `add` through the CLI: the 50-task fixture planned from queue files matches the plan
// worked out by hand, planning moves nothing, and `add` refuses a cycle naming every task on it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { runCli, tasksIn, writeTask } from '../helpers/run-cli.js';

const fixture = (name: string) => JSON.parse(fs.readFileSync(new URL(`../fixtures/plan-50/${name}`, import.meta.url), 'utf8'));

describe('plan', () => {
  it('plans the 50-task fixture from queue files: the waves and critical path worked out by hand', async () => {
    const repo = tmpRepo();
    const tasks: Array<Record<string, unknown> & { id: string }> = fixture('tasks.json');
    for (const task of tasks) writeTask(repo, task.id, task);
    const expected = fixture('expected.json');
    const run = await runCli(repo, ['plan', '--json', '--agents', '50']);

    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.waves).toEqual(expected.waves);
    expect(plan.criticalPath).toEqual(expected.criticalPath);
    expect(plan.conflicts).toEqual(expected.conflicts);
    expect(plan.serialMinutes).toBe(expected.serialMinutes);
    expect(plan.expectedWallMinutes).toBe(expected.expectedWallMinutes['50']);
    expect(plan.inferredTouches).toEqual({});
    expect(tasksIn(repo, 'inbox')).toHaveLength(50);
  });

  it('checks --agents by the same rule as run: 0 exits 2 naming the flag', async () => {
    const repo = tmpRepo();
    const run = await runCli(repo, ['plan', '--agents', '0']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('Expected `--agents` (agents) to be a positive integer, got `0`.');
  });

  it('shows inferred touches and why tasks are kept apart, and leaves invalid files where they are', async () => {
    const repo = tmpRepo();
    writeTask(repo, 'login', {}, 'Fix the redirect in `src/auth/login.ts`');
    writeTask(repo, 'auth', { touches: ['src/auth/'] });
    writeTask(repo, 'docs', { dependsOn: ['login'], estimate: 30 });
    fs.writeFileSync(path.join(repo, 'queue', 'broken.json'), '{ "prompt": 7 }');
    const run = await runCli(repo, ['plan', '--agents', '2']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('auth <-> login: src/auth/ overlaps src/auth/login.ts');
    expect(run.stdout).toContain('Paths inferred from prompts (these tasks declare no touches):\n  login: src/auth/login.ts');
    expect(run.stdout).toContain('Critical path: 40 min\n  login -> docs');
    expect(run.stdout).toMatch(/Not planned: 1 invalid file .*\n  broken\.json: prompt:/);
    expect(fs.existsSync(path.join(repo, 'queue', 'broken.json'))).toBe(true);
    expect(fs.existsSync(path.join(repo, 'queue', 'rejected'))).toBe(false);
  });

  it('estimates from history: the median attempt time of the task\'s agent', async () => {
    const repo = tmpRepo();
    const state = path.join(repo, '.parallel-loop');
    fs.mkdirSync(path.join(state, 'ledger'), { recursive: true });
    const lines = [2, 4, 30].map((min, i) => {
      fs.writeFileSync(path.join(state, 'ledger', `old${i}.1.json`), JSON.stringify({ task: `old${i}`, gen: 1, agent: 'codex', at: '' }));
      return JSON.stringify({ time: new Date().toISOString(), type: 'attempt-finished', task: `old${i}`, gen: 1, durationMs: min * 60_000 });
    });
    fs.writeFileSync(path.join(state, 'events.jsonl'), lines.join('\n') + '\n');
    writeTask(repo, 'next', { agent: 'codex' });
    const plan = JSON.parse((await runCli(repo, ['plan', '--json'])).stdout);

    expect(plan.estimates.next).toEqual({ minutes: 4, source: 'history' });
  });

  it('exits 1 and names a failed dependency as failed, not unknown', async () => {
    const repo = tmpRepo();
    fs.mkdirSync(path.join(repo, 'queue', 'failed'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'queue', 'failed', 'base.json'), JSON.stringify({ prompt: 'x' }));
    writeTask(repo, 'after', { dependsOn: ['base'] });
    const run = await runCli(repo, ['plan']);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('after: dependsOn names "base", which failed (queue/failed/base.error.json)');
  });
});

describe('plan with pipeline stages', () => {
  it('`plan --json` carries the per-stage estimates taken from the stage of past attempt events', async () => {
    const repo = tmpRepo();
    writeTask(repo, 'fix-login', { stages: ['implement', 'review'] });
    fs.mkdirSync(path.join(repo, '.parallel-loop'), { recursive: true });
    const finished = (task: string, stage: string, minutes: number) =>
      JSON.stringify({ time: '2030-01-01T00:00:00.000Z', type: 'attempt-finished', task, gen: 1, attempt: 1, next: 'land', durationMs: minutes * 60_000, usage: {}, stage });
    fs.writeFileSync(path.join(repo, '.parallel-loop', 'events.jsonl'), [finished('old', 'implement', 4), finished('old', 'review', 2)].join('\n') + '\n');
    const run = await runCli(repo, ['plan', '--json', '--agents', '1']);

    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.estimates['fix-login']).toEqual({ minutes: 6, source: 'history', stages: [{ stage: 'implement', minutes: 4, source: 'history' }, { stage: 'review', minutes: 2, source: 'history' }] });
    expect((await runCli(repo, ['plan', '--agents', '1'])).stdout).toContain('fix-login (implement 4m, review 2m)');
  });
});

describe('add: dependency checks', () => {
  it('refuses a task that would close a cycle, naming every task on it', async () => {
    const repo = tmpRepo();
    writeTask(repo, 'a', { dependsOn: ['b'] });
    writeTask(repo, 'b', { dependsOn: ['c'] });
    const run = await runCli(repo, ['add', 'Close the loop', '--id', 'c', '--depends-on', 'a']);

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('c.md was not added:');
    expect(run.stderr).toContain('dependsOn: tasks depend on each other in a cycle: a -> b -> c -> a');
    expect(tasksIn(repo, 'inbox')).toEqual(['a.json', 'b.json']);
  });

  it('refuses an unknown dependency, naming it and the closest id', async () => {
    const repo = tmpRepo();
    writeTask(repo, 'schema', {});
    const run = await runCli(repo, ['add', 'Migrate', '--id', 'migrate', '--depends-on', 'schemaa']);

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('dependsOn: dependsOn names "schemaa", which is not a known task; did you mean "schema"?');
  });
});
