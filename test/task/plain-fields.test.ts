// The frontmatter fast path must read exactly what YAML reads, or leave the file to YAML.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { plainFields } from '../../src/task/parse.js';

const VALUES = [
  'shell', 'sleep 1 && echo $PL_TASK_ID > out/$PL_TASK_ID.txt', '5', '0', '007', '12345678901234567', '-3', '+3', '1.5', '1e3', '0x1F', '0o17',
  '.inf', '.NaN', 'true', 'False', 'NULL', '~', 'yes', 'No', 'on', 'y', 'a: b', 'a #b', 'a#b', 'ends:', "'quoted'", '"quoted"', '[a, b]', '{a: 1}',
  '*alias', '&anchor x', '!tag x', '|', '>', '%x', '@x', '`x`', '- item', '? x', 'x, y', 'src/**/*.ts', 'Fix the login: now', 'C:\\path', 'tab\there',
  'trailing  ', 'ünïcode', 'a\\nb', 'x ~', '2026-12-02', '12:30', 'http://localhost:3000', 'sh -c "a b"', "it's", '#comment',
];

describe('plainFields', () => {
  it('reads each value as YAML does, or declines it', () => {
    let taken = 0;
    for (const value of VALUES) {
      const lines = [`agent: shell`, `field: ${value}`];
      const fast = plainFields(lines);
      if (fast === undefined) continue;
      taken++;
      expect(fast, value).toEqual(parse(lines.join('\n')));
    }
    expect(taken).toBeGreaterThan(10);
  });

  it('leaves lists, blocks, comments, indentation and repeated fields to YAML', () => {
    expect(plainFields(['touches:', '  - src/a.ts'])).toBeUndefined();
    expect(plainFields(['# a comment', 'agent: shell'])).toBeUndefined();
    expect(plainFields(['run: |', '  echo hi'])).toBeUndefined();
    expect(plainFields(['agent: shell', 'agent: claude'])).toBeUndefined();
    expect(plainFields([' agent: shell'])).toBeUndefined();
    expect(plainFields(['agent:shell'])).toBeUndefined();
    expect(plainFields(['agent: shell', '', 'priority: 3\r'])).toEqual({ agent: 'shell', priority: 3 });
    expect(plainFields([])).toEqual({});
  });
});
