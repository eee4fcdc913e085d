import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../src/task/json-error.js';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('locateJsonError', () => {
  // Valid texts must pass, and invalid ones fail, exactly as JSON.parse decides.
  it.each([
    '{}', '[]', '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]}', ' {"a" : {"b": []}} ', '"s"', '0', '-0.5',
    '{"a": }', '{"a": 1,}', '[1,,2]', '{a: 1}', '{"a": 1 "b": 2}', '{"a": tru}', '01', '1.', '-', '"\\x"', '"\\u12"',
    '{"a": 1}}', '[', '"abc', "{'a': 1}", '{"a": NaN}', '[1 2]', '',
  ])('%j', (text) => {
    expect(locateJsonError(text) === undefined).toBe(parses(text));
  });

  it.each([
    ['{"a": }', 1, 7, 'found `}`'],
    ['{\n  "a": 1,\n}', 3, 1, 'a double-quoted property name'],
    ['{"a": 1\n "b": 2}', 2, 2, '`,` or `}` after a property value'],
    ['[1 2]', 1, 4, '`,` or `]` after an array item'],
    ['{"a": 1} x', 1, 10, 'nothing after the end'],
    ['{"a": "x', 1, 9, 'the end of the file'],
  ])('%j fails at line %i, column %i', (text, line, column, needle) => {
    const spot = locateJsonError(text);
    expect(spot).toMatchObject({ line, column });
    expect(spot!.message).toContain(needle);
  });
});
