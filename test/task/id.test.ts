import { describe, expect, it } from 'vitest';
import { checkTaskId, fileStem, isIgnoredName, isTaskFileName, taskFileFormat } from '../../src/task/id.js';

describe('checkTaskId', () => {
  // [id, substring of the message]
  it.each([
    ['', 'empty'],
    ['a/b', '`/`'],
    ['a\\b', '`\\`'],
    ['/abs', '`/`'],
    ['..', '`..`'],
    ['a..b', '`..`'],
    ['.hidden', 'starts with `.`'],
    ['a\u0000b', '\\u0000'],
    ['a\nb', '\\n'],
    ['a\tb', '\\t'],
    ['a\u001bb', '\\u001b'],
    ['a\u007fb', '\\u007f'],
    ['a\u009bb', '\\u009b'],
    [' lead', 'space'],
    ['trail ', 'space'],
    ['x'.repeat(101), '101 bytes'],
    ['é'.repeat(51), '102 bytes'],
    ['😀'.repeat(26), '104 bytes'],
  ])('refuses %j', (id, needle) => {
    const message = checkTaskId(id);
    expect(message).toBeDefined();
    expect(message).toContain(needle);
  });

  it.each(['fix-login', 'fix login bug', 'café-über', '日本語', 'v1.2', 'a.b.c', 'x'.repeat(100), 'é'.repeat(50), 'UPPER_case-9'])(
    'accepts %j',
    (id) => expect(checkTaskId(id)).toBeUndefined(),
  );
});

describe('isIgnoredName', () => {
  it.each([
    ['.tmp', true], ['.tmp/', true], ['.foo.md', true], ['.#task.md', true], ['task.md.tmp', true], ['task.TMP', true],
    ['task.md~', true], ['.task.md.swp', true], ['task.md.swp', true], ['task.md.swx', true], ['task.md.part', true],
    ['task.md.crdownload', true], ['#task.md#', true], ['task.md', false], ['task.json', false], ['#notes.md', false],
    ['a#b#.md', false], ['tmp.md', false],
  ])('%j → %s', (name, ignored) => expect(isIgnoredName(name)).toBe(ignored));
});

describe('isTaskFileName', () => {
  it.each([
    ['task.md', true], ['task.MD', true], ['task.markdown', true], ['task.Markdown', true], ['task.json', true], ['task.JSON', true],
    ['fix login bug.md', true], ['café.md', true], ['README.md', false], ['readme.md', false], ['Readme.markdown', false],
    ['README.json', true], ['readme-first.md', true], ['task.txt', false], ['task', false], ['task.md.tmp', false],
    ['.task.md', false], ['task.md~', false], ['#task.md#', false], ['task.yaml', false], ['task.error.txt', false],
  ])('%j → %s', (name, isTask) => expect(isTaskFileName(name)).toBe(isTask));
});

describe('file names', () => {
  it.each([
    ['a.md', 'a', 'markdown'], ['dir/a.JSON', 'a', 'json'], ['a.b.markdown', 'a.b', 'markdown'], ['noext', 'noext', undefined], ['a.txt', 'a', undefined],
  ])('%j has stem %j and format %s', (name, stem, format) => {
    expect(fileStem(name)).toBe(stem);
    expect(taskFileFormat(name)).toBe(format);
  });
});
