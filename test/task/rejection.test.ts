import { describe, expect, it } from 'vitest';
import { parseTaskFile } from '../../src/task/parse.js';
import { formatRejection, formatWarnings, rejectionFor } from '../../src/task/rejection.js';

describe('formatRejection', () => {
  const problems = [
    { path: 'priority', message: 'Expected `priority` to be an integer, got `"high"` (string).' },
    { path: 'file', message: 'Something else.' },
  ];
  const warnings = [{ path: 'max_attempts', message: 'Unknown field `max_attempts` is ignored; did you mean `maxAttempts`?' }];

  it('names the file, lists each problem as `path: message`, says how to fix, then the warnings', () => {
    const text = formatRejection('fix-login.md', problems, warnings);
    const lines = text.split('\n');
    expect(lines[0]).toContain('fix-login.md');
    expect(lines).toContain('  priority: Expected `priority` to be an integer, got `"high"` (string).');
    expect(lines).toContain('  file: Something else.');
    expect(text).toContain('How to fix');
    expect(lines).toContain('  mv queue/rejected/fix-login.md queue/');
    expect(text.indexOf('How to fix')).toBeGreaterThan(text.indexOf('Something else.'));
    expect(text.indexOf('max_attempts: Unknown field')).toBeGreaterThan(text.indexOf('How to fix'));
    expect(text.endsWith('\n')).toBe(true);
  });

  it('quotes a file name with spaces or quotes for the shell, and honours another queue folder', () => {
    expect(formatRejection("it's a task.md", problems, [])).toContain(`mv 'queue/rejected/it'\\''s a task.md' queue/`);
    expect(formatRejection('a.md', problems, [], { queueDir: 'tasks/' })).toContain('mv tasks/rejected/a.md tasks/');
  });

  it('leaves out the warnings section when there are none', () => {
    expect(formatRejection('a.md', problems, [])).not.toContain('Warnings');
  });

  it('explains a real parse result', () => {
    const result = parseTaskFile('a.md', Buffer.from('---\npriority: high\ncolour: red\n---\nDo it.'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatRejection('a.md', result.problems, result.warnings);
    expect(text).toMatch(/^ {2}priority: Expected `priority` to be an integer, got `"high"` \(string\)\./m);
    expect(text).toMatch(/^ {2}colour: Unknown field `colour`/m);
  });
});

describe('formatWarnings', () => {
  it('prints one line per warning, and nothing when there are none', () => {
    expect(formatWarnings('a.md', [{ path: 'x', message: 'Unknown field `x`.\nIgnored.' }])).toBe('a.md: warning: x: Unknown field `x`. Ignored.');
    expect(formatWarnings('a.md', [])).toBe('');
  });
});

describe('rejectionFor', () => {
  it('duplicate: names the id and where it is used, and how to fix', () => {
    expect(rejectionFor('duplicate', 'queue/done/x.md', 'x')).toEqual({
      path: 'id',
      message: 'id `x` is already used by queue/done/x.md; give this task another id (set `id:` in the frontmatter) or remove the old one with `parallel-loop clean`.',
    });
    expect(rejectionFor('duplicate', 'queue/other.md').message).toContain('already used by queue/other.md');
  });

  it('symlink and unreadable: a file problem naming the detail', () => {
    expect(rejectionFor('symlink', 'evil.md')).toMatchObject({ path: 'file', message: expect.stringContaining('`evil.md` is a symbolic link') });
    expect(rejectionFor('unreadable', 'EACCES: permission denied')).toMatchObject({ path: 'file', message: expect.stringContaining('EACCES') });
  });
});
