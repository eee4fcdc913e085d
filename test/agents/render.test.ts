import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderClaudeLine, renderEvent } from '../../src/agents/render.js';
import { sumUsage } from '../../src/agents/usage.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/claude-stream.jsonl');

describe('renderEvent', () => {
  it.each([
    [{ kind: 'tool', summary: 'Write src/a.ts' }, 'tool   Write src/a.ts'],
    [{ kind: 'tool-result', summary: 'ok', isError: false }, 'result ok'],
    [{ kind: 'tool-result', summary: 'error: no such file', isError: true }, 'failed error: no such file'],
    [{ kind: 'rate-limit', summary: 'rate limited', resetAt: '2030-01-01T00:00:00.000Z' }, 'limit  rate limited (resets 2030-01-01T00:00:00.000Z)'],
    [{ kind: 'result', summary: 'done, 2 turns, $0.0200' }, 'end    done, 2 turns, $0.0200'],
  ] as const)('%j', (event, text) => expect(renderEvent(event)).toBe(text));
});

describe('renderClaudeLine', () => {
  it('turns a real transcript into a readable log', () => {
    const lines = fs.readFileSync(fixture, 'utf8').split('\n').map(renderClaudeLine).filter((l) => l !== undefined);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^start  claude started: model /);
    expect(lines.slice(4, 7)).toEqual(['tool   Bash: cat hello.txt', 'result ok: hello world', 'tool   Read /nonexistent/missing.txt']);
    expect(lines.at(-1)).toBe('end    done, 4 turns, $0.0400, 4000 in / 800 out tokens');
  });

  it('keeps plain text lines and drops JSON with nothing to show', () => {
    expect(renderClaudeLine('  Error: spawn claude ENOENT  ')).toBe('Error: spawn claude ENOENT');
    expect(renderClaudeLine('{"type":"stream_event"}')).toBeUndefined();
    expect(renderClaudeLine('')).toBeUndefined();
  });
});

describe('sumUsage', () => {
  it('adds up the numbers events carry and leaves unknown ones undefined', () => {
    expect(sumUsage([])).toEqual({});
    expect(
      sumUsage([
        { kind: 'text', summary: 'hi' },
        { kind: 'result', summary: 'a', costUsd: 0.1, turns: 1 },
        { kind: 'result', summary: 'b', costUsd: 0.2, turns: 2, inputTokens: 5 },
      ]),
    ).toEqual({ costUsd: 0.3, turns: 3, inputTokens: 5 });
  });
});
