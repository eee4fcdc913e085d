/** Where a JSON text goes wrong: 1-based line and column, and what was expected there. */
export interface JsonErrorSpot {
  offset: number;
  line: number;
  column: number;
  /** e.g. "expected `,` or `}` after a property value, found `\"`". */
  message: string;
}

// Deeper texts are left to JSON.parse's own message rather than risking the stack here.
const MAX_DEPTH = 500;

class Stop {
  constructor(readonly message: string) {}
}

/**
 * Finds the first syntax error in a JSON text. Node's JSON.parse does not always say where it
 * failed (`Unexpected token '}', "..." is not valid JSON`), and a person fixing a task file needs
 * the line and column.
 * @returns undefined when the text is valid JSON (or nests deeper than this scanner follows).
 */
export function locateJsonError(text: string): JsonErrorSpot | undefined {
  let i = 0;
  const found = (): string => (i >= text.length ? 'the end of the file' : showChar(text.codePointAt(i)!));
  const fail = (expected: string): never => {
    throw new Stop(`expected ${expected}, found ${found()}`);
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): void => {
    i++;
    for (;;) {
      if (i >= text.length) fail('a closing `"`');
      const char = text[i]!;
      if (char === '"') return void i++;
      if (char === '\\') {
        const next = text[i + 1] ?? '';
        if (next !== '' && '"\\/bfnrt'.includes(next)) i += 2;
        else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else {
          i++;
          fail('an escape such as `\\n`, `\\"` or `\\u00e9` after `\\`');
        }
      } else if (char < ' ') {
        throw new Stop(`${found()} inside a string; write a line break as \`\\n\` and a tab as \`\\t\``);
      } else {
        i++;
      }
    }
  };
  const list = (close: '}' | ']', depth: number): void => {
    i++;
    skipSpace();
    if (text[i] === close) return void i++;
    for (;;) {
      skipSpace();
      if (close === '}') {
        if (text[i] !== '"') fail('a double-quoted property name');
        string();
        skipSpace();
        if (text[i] !== ':') fail('`:` after the property name');
        i++;
      }
      value(depth + 1);
      skipSpace();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fail(`\`,\` or \`${close}\` after ${close === '}' ? 'a property value' : 'an array item'}`);
      i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) throw new RangeError('too deep');
    skipSpace();
    const char = text[i];
    if (char === '{' || char === '[') return list(char === '{' ? '}' : ']', depth);
    if (char === '"') return string();
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if ((char === '-' || (char !== undefined && char >= '0' && char <= '9')) && number.test(text)) return void (i = number.lastIndex);
    const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
    if (literal) return void (i += literal.length);
    fail('a value (a "string", a number, an object, an array, true, false or null)');
  };
  try {
    value(0);
    skipSpace();
    if (i < text.length) fail('nothing after the end of the top-level value');
    return undefined;
  } catch (err) {
    if (!(err instanceof Stop)) return undefined;
    return { offset: i, ...lineAndColumn(text, i), message: err.message };
  }
}

/** 1-based line and column of an offset (columns count UTF-16 units, as editors mostly do). */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

function showChar(code: number): string {
  if (code === 0x0a) return 'a line break';
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `the control character \\u${code.toString(16).padStart(4, '0')}`;
  return `\`${String.fromCodePoint(code)}\``;
}
