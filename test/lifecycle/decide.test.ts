import { describe, expect, it } from 'vitest';
import { nextStep, retryDelayMs, type StepInput, type StepOutcome } from '../../src/lifecycle/decide.js';
import { resolvePolicy } from '../../src/lifecycle/policy.js';

const now = Date.parse('2030-01-01T00:00:00.000Z');
const policy = resolvePolicy({}, { maxAttempts: 3, timeoutSec: 60, target: 'main', agent: 'demo', retryBackoffMs: 1000 });
const at = (ms: number) => new Date(now + ms).toISOString();
const input = (outcome: StepOutcome, over: Partial<StepInput> = {}): StepInput => ({ outcome, prior: { heldInARow: 0, hadConflict: false }, policy, attempt: 1, now, ...over });
const env = { kind: 'credentials', line: 'invalid api key' } as never;

// One row per rule: how the attempt ended, with what history → the step, the release outcome's fields, the events.
const rows: Array<[string, StepInput, { kind: string; release?: object; events?: string[] }]> = [
  ['over budget: fail without an attempt', input({ kind: 'over-budget', reason: 'spent' }), { kind: 'fail', release: { attempted: false, reason: 'spent' }, events: ['failed'] }],
  ['set-up error with attempts left: retry after back-off', input({ kind: 'attempt-error', message: 'no disk' }), { kind: 'retry', release: { attempted: true, reason: 'no disk', retryAfter: at(1000) }, events: ['retry'] }],
  ['set-up error on the last attempt: fail', input({ kind: 'attempt-error', message: 'no disk' }, { attempt: 3 }), { kind: 'fail', events: ['failed'] }],
  ['broken environment: requeue, not counted, first back-off', input({ kind: 'environment', env }, { attempt: 3 }), { kind: 'requeue', release: { attempted: false, retryAfter: at(1000) }, events: ['requeued'] }],
  ['agent succeeded: land', input({ kind: 'agent', next: { action: 'land' }, log: 'l', tail: [] }), { kind: 'land' }],
  ['cancelled: fail, marked cancelled', input({ kind: 'agent', next: { action: 'cancel', reason: 'c' }, log: 'l', tail: [] }), { kind: 'fail', release: { cancelled: true, reason: 'c' }, events: ['failed'] }],
  ['stopped: requeue, not counted', input({ kind: 'agent', next: { action: 'requeue', reason: 's' }, log: 'l', tail: [] }), { kind: 'requeue', release: { attempted: false }, events: ['requeued'] }],
  ['agent failed: retry after a back-off doubling per attempt', input({ kind: 'agent', next: { action: 'retry', kind: 'failed', reason: 'exit code 1' }, log: 'l', tail: ['x'] }, { attempt: 2 }), { kind: 'retry', release: { retryAfter: at(2000), tail: ['x'], note: { attempt: 2, kind: 'failed', text: 'exit code 1\n\nLast lines of the log (l):\nx' } }, events: ['retry'] }],
  ['agent failed for good: fail', input({ kind: 'agent', next: { action: 'fail', kind: 'timeout', reason: 't' }, log: 'l', tail: [] }), { kind: 'fail', release: { note: { attempt: 1, kind: 'timeout', text: 't\n\nLast lines of the log (l):\n' } }, events: ['failed'] }],
  ['landed: done, with a landed event', input({ kind: 'landing', landing: { status: 'landed', commit: 'abc' } }), { kind: 'done', release: { landing: { status: 'landed', commit: 'abc' } }, events: ['landed', 'done'] }],
  ['already landed: done', input({ kind: 'landing', landing: { status: 'already-landed' } }), { kind: 'done', events: ['already-landed'] }],
  ['branch kept: done', input({ kind: 'landing', landing: { status: 'kept', branch: 'b', mode: 'branch' } }), { kind: 'done', events: ['done'] }],
  ['landing held: hold, the wait doubling per hold in a row', input({ kind: 'landing', landing: { status: 'held', reason: 'dirty' } }, { prior: { heldInARow: 2, hadConflict: false } }), { kind: 'hold', release: { reason: 'dirty', retryAfter: at(8000) }, events: ['held'] }],
  ['landing held long: the wait stops at a minute', input({ kind: 'landing', landing: { status: 'held', reason: 'dirty' } }, { prior: { heldInARow: 9, hadConflict: false } }), { kind: 'hold', release: { retryAfter: at(60_000) } }],
  ['first conflict: retry from the target, whatever maxAttempts says', input({ kind: 'landing', landing: { status: 'conflict', files: ['a'] } }, { attempt: 3 }), { kind: 'retry', release: { restart: 'target', reason: 'conflict', files: ['a'] }, events: ['conflict', 'retry'] }],
  ['second conflict: fail, branch kept', input({ kind: 'landing', landing: { status: 'conflict', files: ['a'] }, branch: 'pl/t/2' }, { prior: { heldInARow: 0, hadConflict: true } }), { kind: 'fail', release: { reason: 'conflicts with main in a; branch pl/t/2 kept' }, events: ['conflict', 'failed'] }],
  ['verify failed with attempts left: retry', input({ kind: 'landing', landing: { status: 'verify-failed', output: 'boom' } }), { kind: 'retry', release: { reason: 'verify failed', output: 'boom', retryAfter: at(1000) }, events: ['verify-failed'] }],
  ['pull request opened: done, with a pr-opened event', input({ kind: 'landing', landing: { status: 'pr', url: 'https://g/pull/1', branch: 'pl/t' } }), { kind: 'done', release: { landing: { status: 'pr', url: 'https://g/pull/1' } }, events: ['pr-opened', 'done'] }],
  ['landing stopped by refused credentials: hold with no wait, for the next run', input({ kind: 'landing', landing: { status: 'held', reason: 'denied', stopped: true } }, { prior: { heldInARow: 2, hadConflict: false } }), { kind: 'hold', release: { reason: 'denied' }, events: ['held'] }],
  ['remote base not fetched, credentials refused: requeue, not counted, no wait', input({ kind: 'remote-failed', reason: 'denied', stopped: true }), { kind: 'requeue', release: { attempted: false, reason: 'denied' }, events: ['requeued'] }],
  ['remote base not fetched, unreachable: requeue after the first back-off', input({ kind: 'remote-failed', reason: 'no route', stopped: false }, { attempt: 3 }), { kind: 'requeue', release: { attempted: false, retryAfter: at(1000) }, events: ['requeued'] }],
  ['verify failed on the last attempt: fail', input({ kind: 'landing', landing: { status: 'verify-failed', output: 'boom' } }, { attempt: 3 }), { kind: 'fail', events: ['verify-failed', 'failed'] }],
];

describe('nextStep', () => {
  it.each(rows)('%s', (_rule, given, expected) => {
    const step = nextStep(given);
    expect(step.kind).toBe(expected.kind);
    if (step.kind === 'land') return;
    if (expected.release) expect(step.release).toMatchObject(expected.release);
    if (expected.events) expect(step.events.map((e) => e.type)).toEqual(expected.events);
  });

  it('holds a stopped landing without any retryAfter', () => {
    const step = nextStep(input({ kind: 'landing', landing: { status: 'held', reason: 'denied', stopped: true } }));
    expect(step.kind === 'hold' && 'retryAfter' in step.release).toBe(false);
  });

  it('is pure: the same input gives the same step', () => {
    const given = input({ kind: 'attempt-error', message: 'x' });
    expect(nextStep(given)).toEqual(nextStep(given));
  });
});

describe('retryDelayMs', () => {
  it('doubles per attempt and stops at 5 minutes', () => {
    expect([1, 2, 3, 20].map((a) => retryDelayMs(a, 1000))).toEqual([1000, 2000, 4000, 300_000]);
  });
});

describe('resolvePolicy', () => {
  it('lets the task override the run', () => {
    const p = resolvePolicy({ maxAttempts: 5, timeout: 9, verify: 'npm test', agent: 'shell' }, { maxAttempts: 3, timeoutSec: 60, agent: 'demo', retryBackoffMs: 1 });
    expect(p).toMatchObject({ maxAttempts: 5, timeoutSec: 9, verify: 'npm test', agent: 'shell', target: 'main', namedTarget: undefined });
  });
});
