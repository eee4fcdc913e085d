import { describe, expect, it } from 'vitest';
import { nextStep, type StepInput, type StepOutcome } from '../../src/lifecycle/decide.js';
import { resolvePolicy } from '../../src/lifecycle/policy.js';
import type { Release } from '../../src/lifecycle/records.js';
import { stagesProblem, stageRank, type Stage } from '../../src/lifecycle/stages.js';
import { priorState } from '../../src/worker/history.js';

const now = Date.parse('2030-01-01T00:00:00.000Z');
const options = { maxAttempts: 3, timeoutSec: 1800, target: 'main', agent: 'demo', retryBackoffMs: 1000 };
const task = { stages: ['implement', 'review', 'test'] as const };
const policyAt = (stage: Stage) => resolvePolicy({ stages: [...task.stages] }, options, stage);
type Prior = StepInput['prior'];
const fresh: Prior = { heldInARow: 0, hadConflict: false, stageFailures: {}, changesAsked: 0, notes: [] };
const at = (stage: Stage, outcome: StepOutcome, prior: Partial<Prior> = {}): StepInput => ({ outcome, prior: { ...fresh, ...prior }, policy: policyAt(stage), attempt: 4, now });
const exit0: StepOutcome = { kind: 'agent', next: { action: 'land' }, log: 'l', tail: [] };
const exit1: StepOutcome = { kind: 'agent', next: { action: 'retry', kind: 'failed', reason: 'exit code 1' }, log: 'l', tail: ['boom'] };
const said = (verdict: 'approve' | 'changes' | 'reject', notes = 'rename x'): StepOutcome => ({ ...exit0, kind: 'agent', verdict: { verdict, notes } });
const cancel: StepOutcome = { kind: 'agent', next: { action: 'cancel', reason: 'cancelled by `parallel-loop cancel`' }, log: 'l', tail: [] };

// One row per transition of a three-stage task: the stage, how it ended, its history → the step, what the release says, the events.
const rows: Array<[string, StepInput, { kind: string; release?: object; events?: string[] }]> = [
  ['implement succeeds: on to review through the inbox', at('implement', exit0), { kind: 'advance', release: { stage: 'implement', nextStage: 'review' }, events: ['advanced'] }],
  ['implement fails once: retried in place', at('implement', exit1), { kind: 'retry', release: { stage: 'implement', nextStage: 'implement', note: { kind: 'failed', stage: 'implement' } }, events: ['retry'] }],
  ['implement fails twice: escalated', at('implement', { ...exit1, next: { action: 'fail', kind: 'failed', reason: 'exit code 1' } }, { stageFailures: { implement: 1 } }), { kind: 'fail', release: { stage: 'implement', escalated: true }, events: ['escalated', 'failed'] }],
  ['review approves: on to test', at('review', said('approve', 'fine')), { kind: 'advance', release: { stage: 'review', nextStage: 'test', verdict: 'approve' }, events: ['advanced'] }],
  ['review exits 0 with no verdict: approves', at('review', exit0), { kind: 'advance', release: { stage: 'review', nextStage: 'test' }, events: ['advanced'] }],
  ['review asks for changes once: back to implement with the notes', at('review', said('changes')), { kind: 'retry', release: { stage: 'review', nextStage: 'implement', verdict: 'changes', note: { kind: 'changes', stage: 'review', text: 'rename x' } }, events: ['retry'] }],
  ['review asks for changes twice: escalated with every note', at('review', said('changes', 'still x'), { changesAsked: 1, notes: [{ attempt: 2, kind: 'changes', stage: 'review', text: 'rename x' }] }), { kind: 'fail', release: { escalated: true, verdict: 'changes', notes: [{ text: 'rename x' }, { text: 'still x' }] }, events: ['escalated', 'failed'] }],
  ['review rejects: escalated at once', at('review', said('reject', 'wrong approach')), { kind: 'fail', release: { escalated: true, verdict: 'reject', reason: 'review rejected the change: wrong approach' }, events: ['escalated', 'failed'] }],
  ['review agent fails: retried in place', at('review', exit1), { kind: 'retry', release: { stage: 'review', nextStage: 'review' }, events: ['retry'] }],
  ['test passes: land (the lander, not an agent)', at('test', exit0), { kind: 'land' }],
  ['test fails once: retried in place', at('test', { kind: 'test-failed', output: 'FAIL a.test' }), { kind: 'retry', release: { stage: 'test', nextStage: 'test', output: 'FAIL a.test', note: { kind: 'test-failed' } }, events: ['retry'] }],
  ['test fails twice: escalated', at('test', { kind: 'test-failed', output: 'FAIL a.test' }, { stageFailures: { test: 1 } }), { kind: 'fail', release: { escalated: true }, events: ['escalated', 'failed'] }],
  ['conflict at test: a failed stage naming the files', at('test', { kind: 'test-conflict', files: ['a.txt', 'b.txt'] }), { kind: 'retry', release: { stage: 'test', nextStage: 'test', files: ['a.txt', 'b.txt'], reason: 'test stage: merging main conflicted in a.txt, b.txt' }, events: ['retry'] }],
  ['conflict at test the second time: escalated', at('test', { kind: 'test-conflict', files: ['a.txt'] }, { stageFailures: { test: 1 } }), { kind: 'fail', release: { escalated: true, files: ['a.txt'] }, events: ['escalated', 'failed'] }],
  ['land holds: waits in the inbox at the land stage', at('land', { kind: 'landing', landing: { status: 'held', reason: 'dirty' } }), { kind: 'hold', release: { stage: 'land', nextStage: 'land' }, events: ['held'] }],
  ['land lands: done', at('land', { kind: 'landing', landing: { status: 'landed', commit: 'abc' } }), { kind: 'done', release: { stage: 'land' }, events: ['landed', 'done'] }],
  ['land conflicts: back to implement from the target', at('land', { kind: 'landing', landing: { status: 'conflict', files: ['a'] } }), { kind: 'retry', release: { restart: 'target', nextStage: 'implement' }, events: ['conflict', 'retry'] }],
  ...(['implement', 'review', 'test'] as const).map((stage): (typeof rows)[number] => [
    `cancel at ${stage}: failed, marked cancelled, not escalated`, at(stage, cancel), { kind: 'fail', release: { stage, cancelled: true }, events: ['failed'] },
  ]),
  ...(['implement', 'review', 'test'] as const).map((stage): (typeof rows)[number] => [
    `stopped at ${stage}: requeued without a next stage, so the stage runs again`, at(stage, { kind: 'agent', next: { action: 'requeue', reason: 'stopped' }, log: 'l', tail: [] }), { kind: 'requeue', release: { stage, attempted: false }, events: ['requeued'] },
  ]),
];

describe('nextStep in a pipeline', () => {
  it.each(rows)('%s', (_rule, given, expected) => {
    const step = nextStep(given);
    expect(step.kind).toBe(expected.kind);
    if (step.kind === 'land') return;
    if (expected.release) expect(step.release).toMatchObject(expected.release);
    if (expected.events) expect(step.events.map((e) => e.type)).toEqual(expected.events);
    if (step.kind === 'requeue' || step.kind === 'fail') expect(step.release.nextStage).toBeUndefined();
  });

  it('leaves a one-stage task as it was: exit 0 lands, records carry no stage', () => {
    const policy = resolvePolicy({}, options);
    expect(policy.pipeline).toBe(false);
    expect(nextStep({ outcome: exit0, prior: fresh, policy, attempt: 1, now }).kind).toBe('land');
    const failed = nextStep({ outcome: exit1, prior: fresh, policy, attempt: 1, now });
    expect(failed.kind === 'retry' && failed.release.stage).toBe(undefined);
  });
});

const rel = (r: Partial<Release> & { outcome: Release['outcome'] }): { gen: number; release: Release } => ({ gen: 0, release: { at: '', attempted: true, ...r } as Release });

describe('priorState: the stage from the history', () => {
  it('starts at the first stage and follows each nextStage', () => {
    expect(priorState([]).stage).toBeUndefined();
    expect(priorState([rel({ outcome: 'advance', stage: 'implement', nextStage: 'review' })]).stage).toBe('review');
  });

  it.each(['implement', 'review', 'test'] as const)('a reclaim at %s runs that stage again, counted apart from its failures', (stage) => {
    const before = stage === 'implement' ? [] : [rel({ outcome: 'advance', stage: 'implement', nextStage: stage })];
    const prior = priorState([...before, rel({ outcome: 'requeued', reason: 'reclaimed: its owner died', reclaimedGen: 1, stage })]);
    expect(prior.stage ?? 'implement').toBe(stage);
    expect(prior).toMatchObject({ stageFailures: {}, stageReclaims: { [stage]: 1 } });
    // A failure after it is the stage's first: a crash does not use up the retry a failure gets.
    const failed = priorState([...before, rel({ outcome: 'requeued', reason: 'reclaimed', reclaimedGen: 1, stage }), rel({ outcome: 'retry', stage })]);
    expect(failed).toMatchObject({ stageFailures: { [stage]: 1 }, stageReclaims: { [stage]: 1 } });
  });

  it('a requeue that is no reclaim (a shutdown, a kill), a reclaim no agent ran under, or one of a landing counts as no reclaim', () => {
    expect(priorState([rel({ outcome: 'requeued', reason: 'shutdown', stage: 'implement' })]).stageReclaims).toEqual({});
    expect(priorState([rel({ outcome: 'requeued', reason: 'reclaimed', reclaimedGen: 1, stage: 'implement', attempted: false })]).stageReclaims).toEqual({});
    // A landing taken over used no try: a reclaim at `land` counts none.
    expect(priorState([rel({ outcome: 'requeued', reason: 'reclaimed', reclaimedGen: 1, stage: 'land' })]).stageReclaims).toEqual({});
    // A reclaim written before reclaims named their stage counts none, as then.
    expect(priorState([rel({ outcome: 'requeued', reason: 'reclaimed', reclaimedGen: 1 })]).stageReclaims).toEqual({});
  });

  it('counts failures per stage and changes apart, and `retry` starts over at implement with the notes kept', () => {
    const note = { attempt: 2, kind: 'changes' as const, stage: 'review' as const, text: 'x' };
    const history = [
      rel({ outcome: 'advance', stage: 'implement', nextStage: 'review' }),
      rel({ outcome: 'retry', stage: 'review', nextStage: 'implement', verdict: 'changes', note }),
      rel({ outcome: 'retry', stage: 'implement', nextStage: 'implement' }),
    ];
    expect(priorState(history)).toMatchObject({ stage: 'implement', changesAsked: 1, stageFailures: { implement: 1 } });
    const retried = priorState([...history, rel({ outcome: 'failed', stage: 'implement', escalated: true }), rel({ outcome: 'retry', attempted: false, resetAttempts: true })]);
    expect(retried).toMatchObject({ stage: undefined, changesAsked: 0, stageFailures: {} });
    expect(retried.notes).toContainEqual(note);
  });
});

describe('stages', () => {
  it('checks a list of stages', () => {
    expect(stagesProblem(['implement', 'review', 'test'])).toBeUndefined();
    expect(stagesProblem(['implement', 'land'])).toMatch(/land/);
    expect(stagesProblem(['review'])).toMatch(/begins with implement/);
    expect(stagesProblem(['implement', 'test', 'review'])).toMatch(/order/);
    expect(stagesProblem(['implement', 'deploy'])).toMatch(/deploy/);
  });

  it('ranks stages closer to landing first', () => {
    expect((['implement', 'review', 'test', 'land'] as const).map(stageRank)).toEqual([0, 1, 2, 3]);
  });

  it('resolves a role: its adapter, model and timeout over the task, 15 minutes and two tries by default', () => {
    const p = resolvePolicy({ stages: ['implement', 'review'], agent: 'shell' }, { ...options, roles: { review: { adapter: 'command', model: 'haiku', timeout: 60 } }, agentSettings: { command: { template: ['x'] } } }, 'review');
    expect(p).toMatchObject({ agent: 'command', timeoutSec: 60, maxAttempts: 2, agentSettings: { template: ['x'], model: 'haiku' }, stage: 'review' });
    expect(resolvePolicy({ stages: ['implement', 'review'], agent: 'shell' }, options, 'implement')).toMatchObject({ agent: 'shell', timeoutSec: 900, maxAttempts: 2 });
  });

  it('gives a stage the run\'s time limit when the user set one for the run (`--timeout`), and `stageTimeoutSec` over that', async () => {
    const { resolveOptions } = await import('../../src/config/validate.js');
    const pipeline = { stages: ['implement', 'review'] as Stage[] };
    const limit = (file: Record<string, number>, cli: Record<string, number>) => resolvePolicy(pipeline, resolveOptions(file, cli), 'review').timeoutSec;
    expect(limit({}, {})).toBe(900);
    expect(limit({}, { timeoutSec: 3600 })).toBe(3600);
    expect(limit({ timeoutSec: 1800 }, {})).toBe(1800);
    expect(limit({ timeoutSec: 3600 }, { stageTimeoutSec: 120 })).toBe(120);
    expect(limit({ stageTimeoutSec: 120 }, { timeoutSec: 3600 })).toBe(120);
    // A task of one stage keeps the run's limit, whatever stages get.
    expect(resolvePolicy({}, resolveOptions({ stageTimeoutSec: 120 }, {}), 'implement').timeoutSec).toBe(1800);
  });
});

describe('{changed} in the test command', () => {
  it('expands to the files, each shell-quoted', async () => {
    const { expandChanged } = await import('../../src/worker/test-stage.js');
    expect(expandChanged('vitest related {changed}', ['src/a.ts', "it's here.ts"])).toBe(`vitest related src/a.ts 'it'\\''s here.ts'`);
  });
});

describe('scheduling by stage', () => {
  it('takes the stage closest to landing first, then priority and age', async () => {
    const { compareEntries } = await import('../../src/queue/inbox.js');
    const entry = (id: string, priority: number, stage?: Stage) => ({ file: `${id}.md`, id, priority, enqueuedMs: 1, notBeforeMs: 0, held: false, gens: 0, stage, task: {} as never, warnings: [] });
    const list = [entry('new-urgent', 9), entry('in-review', 0, 'review'), entry('in-test', 0, 'test'), entry('again', 0, 'implement'), entry('new', 1)];
    expect(list.sort(compareEntries).map((e) => e.id)).toEqual(['in-test', 'in-review', 'new-urgent', 'new', 'again']);
  });

  it('keeps a new task off the touches of a task between stages, but not that task itself', async () => {
    const { pickNext } = await import('../../src/schedule/select.js');
    const ctx = { running: [], inFlight: [{ id: 'a', touches: ['src/**'] }], done: new Set<string>(), failed: new Set<string>(), now: 0, firstSeen: new Map() };
    const fresh = { id: 'b', priority: 0, touches: ['src/x.ts'], dependsOn: [] };
    expect(pickNext([fresh], ctx).task).toBeUndefined();
    expect(pickNext([{ id: 'a', priority: 0, touches: ['src/**'], dependsOn: [], started: true }, fresh], ctx).task?.id).toBe('a');
  });
});
