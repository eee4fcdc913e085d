import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/proc/line-splitter.js';

function split(chunks: (string | Buffer)[], maxBytes?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxBytes);
  for (const c of chunks) splitter.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  splitter.end();
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('joins lines split across chunks and emits a last line without newline once', () => {
    expect(split(['a', 'b\nc', 'd\n\ne', 'f'])).toEqual(['ab', 'cd', '', 'ef']);
  });

  it('drops the \\r of CRLF line ends', () => {
    expect(split(['one\r\ntwo\r', '\n'])).toEqual(['one', 'two']);
  });

  it('cuts a line longer than the limit and resumes at the next line', () => {
    expect(split(['abcdefgh', 'ijk\nok\n'], 4)).toEqual(['abcd', 'ok']);
    expect(split(['abcdefgh\nok'], 4)).toEqual(['abcd', 'ok']);
  });

  it('cuts at a character boundary', () => {
    // "é" is two bytes; a 4-byte limit falls inside the second one.
    expect(split(['aéé\n'], 4)).toEqual(['aé']);
  });

  it('decodes a character split across chunks', () => {
    const bytes = Buffer.from('né\n');
    expect(split([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['né']);
  });

  it('cuts a huge line at 64 KiB by default', () => {
    const lines = split([Buffer.alloc(200_000, 'x'), '\nafter\n']);
    expect(lines.map((l) => l.length)).toEqual([64 * 1024, 5]);
  });
});
