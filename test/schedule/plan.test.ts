import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../src/schedule/format-plan.js';
import { historyMinutes, stageHistory, type AttemptSample } from '../../src/schedule/history.js';
import { makePlan, type PlanTask } from '../../src/schedule/plan.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/plan-50/${name}`, import.meta.url), 'utf8'));
const tasks50: PlanTask[] = fixture('tasks.json');
const expected50 = fixture('expected.json');

const task = (id: string, over: Partial<PlanTask> = {}): PlanTask => ({ id, priority: 0, touches: [], dependsOn: [], ...over });

describe('makePlan on the 50-task fixture (hand-computed in EXPECTED.md)', () => {
  const plan = makePlan(tasks50, { agents: 4 });

  it('finds the waves and critical path worked out by hand', () => {
    expect(plan.waves).toEqual(expected50.waves);
    expect(plan.criticalPath).toEqual(expected50.criticalPath);
  });

  it('lists the conflicting pairs, leaving out pairs a dependency keeps apart', () => {
    expect(plan.conflicts).toEqual(expected50.conflicts);
  });

  it('uses the default estimate where a task has none, and sums the serial time', () => {
    const defaults = Object.entries(plan.estimates).filter(([, e]) => e.source === 'default').map(([id]) => id);
    expect(defaults).toEqual(expected50.defaultEstimated);
    expect(plan.serialMinutes).toBe(expected50.serialMinutes);
    expect(plan.problems).toEqual([]);
    expect(plan.unschedulable).toEqual([]);
  });

  it('simulates wall time: serial with one agent, the critical path with plenty', () => {
    for (const [agents, minutes] of Object.entries(expected50.expectedWallMinutes)) {
      expect(makePlan(tasks50, { agents: Number(agents) }).expectedWallMinutes).toBe(minutes);
    }
    expect(plan.expectedWallMinutes).toBeGreaterThanOrEqual(Math.max(130, 685 / 4));
    expect(plan.expectedWallMinutes).toBeLessThan(685);
  });

  it('gives the same plan whatever order the tasks come in', () => {
    expect(makePlan([...tasks50].reverse(), { agents: 4 })).toEqual(plan);
  });
});

describe('makePlan', () => {
  it('prefers an estimate, then history by task id, then by agent, then the default', () => {
    const plan = makePlan([task('a', { estimate: 3 }), task('b', { agent: 'codex' }), task('c', { agent: 'codex' }), task('d')], {
      agents: 1,
      history: new Map([['b', 7], ['codex', 12], ['a', 99]]),
      defaultEstimateMin: 4,
    });
    expect(plan.estimates).toEqual({
      a: { minutes: 3, source: 'estimate' },
      b: { minutes: 7, source: 'history' },
      c: { minutes: 12, source: 'history' },
      d: { minutes: 4, source: 'default' },
    });
  });

  it('keeps conflicting tasks apart in the simulation, in priority order', () => {
    const plan = makePlan([task('x', { touches: ['src/**'], estimate: 10 }), task('y', { touches: ['src/a.ts'], estimate: 10, priority: 1 })], { agents: 2 });
    expect(plan.waves).toEqual([['y', 'x']]);
    expect(plan.expectedWallMinutes).toBe(20);
  });

  it('treats dependencies on tasks done elsewhere as satisfied', () => {
    const plan = makePlan([task('b', { dependsOn: ['a'], estimate: 5 })], { agents: 1, done: new Set(['a']) });
    expect(plan).toMatchObject({ waves: [['b']], problems: [], criticalPath: { ids: ['b'], minutes: 5 }, expectedWallMinutes: 5 });
  });

  it('leaves out tasks on a cycle or behind an unknown dependency, and everything after them', () => {
    const plan = makePlan(
      [task('a', { dependsOn: ['b'] }), task('b', { dependsOn: ['a'] }), task('c', { dependsOn: ['a'] }), task('d', { dependsOn: ['nope'] }), task('e')],
      { agents: 2 },
    );
    expect(plan.unschedulable).toEqual(['a', 'b', 'c', 'd']);
    expect(plan.waves).toEqual([['e']]);
    expect(plan.problems.map((p) => p.kind)).toEqual(['unknown-dependency', 'cycle']);
    expect(plan.expectedWallMinutes).toBe(10);
  });

  it('follows zero-minute tasks along the critical path', () => {
    const plan = makePlan([task('a', { estimate: 0 }), task('b', { estimate: 0, dependsOn: ['a'] })], { agents: 1 });
    expect(plan.criticalPath).toEqual({ ids: ['a', 'b'], minutes: 0 });
  });

  it('rejects a bad agents option with a permanent code', () => {
    expect(() => makePlan([], { agents: 0 })).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringContaining('`agents`') }));
    expect(() => makePlan([], { agents: 1.5 })).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
  });

  it('plans nothing for no tasks', () => {
    expect(makePlan([], { agents: 3 })).toMatchObject({ waves: [], conflicts: [], criticalPath: { ids: [], minutes: 0 }, expectedWallMinutes: 0 });
  });
});

describe('makePlan with pipeline stages', () => {
  // Worked out by hand. fix-login's own attempts: implement 3, 5, 4 (median 4), test 3. No review of
  // its own: the median of every review, 1, 3, 2, is 2. Its test has its own median, 3 (not 7's).
  // So fix-login takes 4 + 2 + 3 = 9 and deploy, after it, 1: the critical path is 10 against api's 5.
  const samples: AttemptSample[] = [
    { task: 'fix-login', stage: 'implement', minutes: 3 },
    { task: 'fix-login', stage: 'implement', minutes: 5 },
    { task: 'fix-login', stage: 'implement', minutes: 4 },
    { task: 'fix-login', stage: 'test', minutes: 3 },
    { task: 'old-a', stage: 'review', minutes: 1 },
    { task: 'old-b', stage: 'review', minutes: 3 },
    { task: 'old-c', stage: 'review', minutes: 2 },
    { task: 'old-c', stage: 'test', minutes: 7 },
  ];
  const tasks = [
    task('fix-login', { stages: ['implement', 'review', 'test'] }),
    task('deploy', { dependsOn: ['fix-login'], estimate: 1, stages: ['implement'] }),
    task('api', { estimate: 5 }),
  ];
  const plan = makePlan(tasks, { agents: 2, history: historyMinutes(samples), stageHistory: stageHistory(samples) });

  it('sums the stage estimates from history, task first, then the stage over all tasks', () => {
    expect(plan.estimates['fix-login']).toEqual({
      minutes: 9,
      source: 'history',
      stages: [
        { stage: 'implement', minutes: 4, source: 'history' },
        { stage: 'review', minutes: 2, source: 'history' },
        { stage: 'test', minutes: 3, source: 'history' },
      ],
    });
    // `[implement]` is no pipeline: its own estimate, no stages.
    expect(plan.estimates.deploy).toEqual({ minutes: 1, source: 'estimate' });
    expect(plan.criticalPath).toEqual({ ids: ['fix-login', 'deploy'], minutes: 10 });
    expect(plan.serialMinutes).toBe(15);
    // Review and test attempts do not count as the task's own time.
    expect(historyMinutes(samples).get('old-a')).toBeUndefined();
  });

  it('lists the stages on the critical path; a stage without history takes the default', () => {
    expect(formatPlan(plan)).toContain('Critical path: 10 min\n  fix-login (implement 4m, review 2m, test 3m) -> deploy');
    const bare = makePlan([task('new', { stages: ['implement', 'review'], estimate: 6 })], { agents: 1, defaultEstimateMin: 10 });
    expect(bare.estimates.new).toMatchObject({ minutes: 16, source: 'default', stages: [{ stage: 'implement', minutes: 6, source: 'estimate' }, { stage: 'review', minutes: 10, source: 'default' }] });
  });
});

describe('formatPlan', () => {
  it('shows waves, conflicts with their globs, the critical path and the wall time against serial', () => {
    const text = formatPlan(makePlan(tasks50, { agents: 50 }));
    expect(text).toContain('Plan for 50 tasks with 50 agents');
    expect(text).toContain('  9. release');
    expect(text).toContain('  a3 <-> b2: pkg/shared/cache/* overlaps pkg/shared/cache/lru.ts');
    expect(text).toContain('Critical path: 2h 10m\n  d1 -> d2 -> d3 -> d4 -> release');
    expect(text).toContain('Expected wall time: 2h 10m with 50 agents (one agent: 11h 25m)');
    expect(text).toContain('5 tasks without an estimate or history counted at the default');
  });

  it('says what cannot run and why', () => {
    const text = formatPlan(makePlan([task('a', { dependsOn: ['b'] }), task('b', { dependsOn: ['a'] })], { agents: 1 }));
    expect(text).toContain('Cannot run (2 tasks): a, b');
    expect(text).toContain('a: tasks depend on each other in a cycle: a -> b -> a');
  });
});
