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

  it('reads codex\'s last message, its final text (codex\'s result carries none)', async () => {
    const { codexAdapter } = await import('../../src/agents/codex.js');
    const lines = [
      '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Reading the diff.\\nVERDICT: approve"}}',
      '{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"The new branch drops the error check.\\nVERDICT: changes"}}',
      '{"type":"turn.completed","usage":{"input_tokens":10,"output_tokens":5}}',
    ];
    const events = lines.flatMap((l) => codexAdapter.parseLine(l));
    expect(verdictFromEvents(events)).toEqual({ verdict: 'changes', notes: 'The new branch drops the error check.' });
    // A message without a verdict line last gives none, whatever an earlier message said.
    const none = [...lines.slice(0, 1), '{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Done."}}'].flatMap((l) => codexAdapter.parseLine(l));
    expect(verdictFromEvents(none)).toBeUndefined();
  });
});
