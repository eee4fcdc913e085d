import { describe, expect, it } from 'vitest';
import { verdictFromEvents, verdictFromText } from '../../src/worker/verdict.js';

describe('verdictFromText', () => {
  it('reads a last line `VERDICT: ...`, with the text before it as notes', () => {
    expect(verdictFromText('Missing a test.\nPlease add one.\nVERDICT: changes\n')).toEqual({ verdict: 'changes', notes: 'Missing a test.\nPlease add one.' });
    expect(verdictFromText('verdict: Approve')).toEqual({ verdict: 'approve', notes: '' });
    expect(verdictFromText('Looks wrong.\nVERDICT: reject — the approach is wrong')).toEqual({ verdict: 'reject', notes: 'Looks wrong.\nthe approach is wrong' });
  });

  it('reads nothing when the verdict is not the last line or names no verdict', () => {
    expect(verdictFromText('VERDICT: changes\nbut then more text')).toBeUndefined();
    expect(verdictFromText('VERDICT: maybe')).toBeUndefined();
    expect(verdictFromText('')).toBeUndefined();
  });
});

describe('verdictFromEvents', () => {
  it('takes the last final text an adapter reported', () => {
    const events = [
      { kind: 'text' as const, summary: 'VERDICT: reject' },
      { kind: 'result' as const, summary: 'done', text: 'ok\nVERDICT: approve' },
    ];
    expect(verdictFromEvents(events)).toEqual({ verdict: 'approve', notes: 'ok' });
    expect(verdictFromEvents([{ kind: 'result', summary: 'done' }])).toBeUndefined();
  });
});
