import { describe, expect, it } from 'vitest';
import { addChangelogEntry, changelogPathProblem, removeChangelogEntries } from '../../src/merge/changelog.js';

describe('addChangelogEntry', () => {
  it.each([
    ['no file', undefined, '## Unreleased\n\n- Add x\n'],
    ['an empty file', '', '## Unreleased\n\n- Add x\n'],
    ['no heading, a title', '# Changelog\n\n## 1.0.0\n\n- First\n', '# Changelog\n\n## Unreleased\n\n- Add x\n\n## 1.0.0\n\n- First\n'],
    ['no heading, no title', 'Some notes.\n', '## Unreleased\n\n- Add x\n\nSome notes.\n'],
    ['a title only', '# Changelog\n', '# Changelog\n\n## Unreleased\n\n- Add x\n'],
    ['the heading with entries', '# C\n\n## Unreleased\n\n- One\n- Two\n\n## 1.0.0\n\n- Old\n', '# C\n\n## Unreleased\n\n- One\n- Two\n- Add x\n\n## 1.0.0\n\n- Old\n'],
    ['the heading, empty, before a release', '## Unreleased\n\n## 1.0.0\n- Old\n', '## Unreleased\n\n- Add x\n\n## 1.0.0\n- Old\n'],
    ['the heading, empty, at the end', '# C\n\n## Unreleased\n', '# C\n\n## Unreleased\n\n- Add x\n'],
    ['subsections inside the section', '## [Unreleased]\n### Added\n- One\n## 1.0\n', '## [Unreleased]\n### Added\n- One\n- Add x\n## 1.0\n'],
    ['no final newline', '## Unreleased\n- One', '## Unreleased\n- One\n- Add x\n'],
    ['CRLF line ends', '# C\r\n\r\n## Unreleased\r\n\r\n- One\r\n', '# C\r\n\r\n## Unreleased\r\n\r\n- One\r\n- Add x\r\n'],
    ['CRLF, no heading', '# C\r\n\r\n## 1.0\r\n', '# C\r\n\r\n## Unreleased\r\n\r\n- Add x\r\n\r\n## 1.0\r\n'],
  ])('%s', (_name, text, expected) => {
    expect(addChangelogEntry(text, 'Add x')).toBe(expected);
  });

  it('puts an entry of several lines on one', () => {
    expect(addChangelogEntry(undefined, '  Add x\n  and y ')).toBe('## Unreleased\n\n- Add x and y\n');
  });
});

describe('removeChangelogEntries', () => {
  it('takes out the entry a landing added, with later entries next to it', () => {
    const before = '## Unreleased\n\n- One\n';
    const after = addChangelogEntry(before, 'Two');
    const tip = addChangelogEntry(addChangelogEntry(after, 'Three'), 'Four');
    expect(removeChangelogEntries(tip, before, after)).toBe('## Unreleased\n\n- One\n- Three\n- Four\n');
  });

  it('leaves the heading a landing created, and CRLF line ends', () => {
    const after = addChangelogEntry(undefined, 'One');
    const tip = addChangelogEntry(after, 'Two').replace(/\n/g, '\r\n');
    expect(removeChangelogEntries(tip, undefined, after)).toBe('## Unreleased\r\n\r\n- Two\r\n');
  });
});

describe('changelogPathProblem', () => {
  it.each([
    ['CHANGELOG.md', undefined],
    ['docs/CHANGES.md', undefined],
    ['/etc/passwd', 'outside the repository'],
    ['../CHANGELOG.md', 'outside the repository'],
    ['', 'not a path'],
  ])('%s', (file, problem) => expect(changelogPathProblem(file)).toBe(problem));
});
