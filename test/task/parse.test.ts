import { describe, expect, it } from 'vitest';
import { MAX_TASK_FILE_BYTES, parseTaskFile } from '../../src/task/parse.js';
import type { ParseResult, Task } from '../../src/task/types.js';

const md = (frontmatter: string, body = 'Do the thing.'): string => `---\n${frontmatter}\n---\n${body}`;
const json = (value: unknown): string => JSON.stringify(value);

function parse(name: string, content: string | Buffer): ParseResult {
  return parseTaskFile(name, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
}

function accepted(name: string, content: string | Buffer): Task {
  const result = parse(name, content);
  if (!result.ok) throw new Error(`expected ${name} to be accepted: ${JSON.stringify(result.problems)}`);
  return result.task;
}

// [what, file name, content, problem path, substrings the message must contain (the field and what was found)]
const rejected: Array<[string, string, string | Buffer, string, string[]]> = [
  ['malformed YAML', 'a.md', md('title: a: b'), 'file', ['YAML', 'line 2']],
  ['YAML error reported at its file line', 'a.md', md('priority: 1\ntitle: a: b'), 'file', ['YAML', 'line 3']],
  ['frontmatter never closed', 'a.md', '---\npriority: 1\nDo it.', 'file', ['frontmatter', 'never closed']],
  ['frontmatter is a list', 'a.md', md('- a\n- b'), 'file', ['frontmatter', 'mapping', 'a list']],
  ['frontmatter is a scalar', 'a.md', md('just words'), 'file', ['frontmatter', 'mapping', '"just words"']],
  ['duplicate YAML key', 'a.md', md('priority: 1\npriority: 2'), 'file', ['YAML', 'line 3']],
  ['malformed JSON, trailing comma', 'a.json', '{\n  "prompt": "x",\n}', 'file', ['JSON', 'line 3, column 1', 'found `}`']],
  ['malformed JSON, missing value', 'a.json', '{"prompt": }', 'file', ['JSON', 'line 1, column 12', 'found `}`']],
  ['malformed JSON, line break in a string', 'a.json', '{"prompt": "a\nb"}', 'file', ['JSON', 'line 1, column 14', 'a line break inside a string']],
  ['malformed JSON, cut short', 'a.json', '{"prompt": "x"', 'file', ['JSON', 'end of the file']],
  ['JSON top level is an array', 'a.json', '[{"prompt": "x"}]', 'file', ['JSON', 'object', 'a list']],
  ['JSON top level is a string', 'a.json', '"do it"', 'file', ['JSON', 'object', '"do it"']],
  ['JSON top level is null', 'a.json', 'null', 'file', ['JSON', 'object', 'null']],
  ['empty file', 'a.md', '', 'file', ['empty']],
  ['whitespace only', 'a.md', '  \n\t\n  ', 'file', ['empty', 'whitespace']],
  ['whitespace-only JSON', 'a.json', '\n\n', 'file', ['empty']],
  ['binary (NUL byte)', 'a.md', Buffer.from('abc\0def'), 'file', ['NUL', 'byte 3', 'binary']],
  ['invalid UTF-8', 'a.md', Buffer.from([0x61, 0x0a, 0x62, 0xc3, 0x28]), 'file', ['UTF-8', '0xc3', 'byte 3', 'line 2']],
  ['over 1 MiB', 'a.md', Buffer.alloc(MAX_TASK_FILE_BYTES + 1, 'a'), 'file', [`${MAX_TASK_FILE_BYTES + 1} bytes`, '1 MiB']],
  ['unsupported extension', 'notes.txt', 'Do it.', 'file', ['`.txt`', '`.md`', '`.markdown`', '`.json`']],
  ['no extension', 'notes', 'Do it.', 'file', ['no extension', '`.md`']],
  ['id: number', 'a.json', json({ id: 5, prompt: 'x' }), 'id', ['`id`', '`5` (number)', '"5"']],
  ['id: empty string', 'a.md', md('id: ""'), 'id', ['`id`', '`""` (string)']],
  ['title: number', 'a.md', md('title: 3'), 'title', ['`title`', '`3` (number)']],
  ['prompt: number', 'a.json', json({ prompt: 42 }), 'prompt', ['`prompt`', '`42` (number)']],
  ['priority: word', 'a.md', md('priority: high'), 'priority', ['`priority`', 'an integer', '`"high"` (string)']],
  ['priority: fraction', 'a.md', md('priority: 1.5'), 'priority', ['`priority`', '`1.5` (number)']],
  ['priority: empty', 'a.md', md('priority:'), 'priority', ['`priority`', '`null`']],
  ['agent: list', 'a.md', md('agent: [claude]'), 'agent', ['`agent`', '`["claude"]` (array)']],
  ['agent: misspelt', 'a.md', md('agent: clade'), 'agent', ['`agent`', 'one of claude, codex, aider, command, shell, demo', '`"clade"` (string)', 'Did you mean `claude`?']],
  ['agent: unknown', 'a.md', md('agent: gpt-engineer'), 'agent', ['`agent`', 'one of claude, codex', '`"gpt-engineer"` (string)']],
  ['timeout: word', 'a.md', md('timeout: soon'), 'timeout', ['`timeout`', 'duration', '`"soon"` (string)']],
  ['timeout: negative', 'a.md', md('timeout: -5'), 'timeout', ['`timeout`', '`-5` (number)']],
  ['timeout: zero', 'a.md', md('timeout: 0s'), 'timeout', ['`timeout`', '`"0s"` (string)']],
  ['timeout: unknown unit', 'a.md', md('timeout: 5 fortnights'), 'timeout', ['`timeout`', '"5 fortnights"']],
  ['maxAttempts: zero', 'a.md', md('maxAttempts: 0'), 'maxAttempts', ['`maxAttempts`', 'positive integer', '`0` (number)']],
  ['maxAttempts: string', 'a.json', json({ prompt: 'x', maxAttempts: '3' }), 'maxAttempts', ['`maxAttempts`', '`"3"` (string)']],
  ['maxAttempts: fraction', 'a.md', md('maxAttempts: 2.5'), 'maxAttempts', ['`maxAttempts`', '`2.5` (number)']],
  ['touches: number', 'a.md', md('touches: 5'), 'touches', ['`touches`', '`5` (number)']],
  ['touches: item not a string', 'a.md', md('touches: [src/a.ts, 3]'), 'touches[1]', ['`touches[1]`', '`3` (number)']],
  ['touches: mapping', 'a.md', md('touches: {a: 1}'), 'touches', ['`touches`', '`{"a":1}` (object)']],
  ['dependsOn: number', 'a.md', md('dependsOn: 7'), 'dependsOn', ['`dependsOn`', '`7` (number)']],
  ['dependsOn: item not a string', 'a.md', md('dependsOn: [a, {b: 1}]'), 'dependsOn[1]', ['`dependsOn[1]`', '`{"b":1}` (object)']],
  ['dependsOn: bad id', 'a.md', md('dependsOn: [ok, ../up]'), 'dependsOn[1]', ['`dependsOn`', '"../up"']],
  ['dependsOn: itself', 'a.md', md('id: me\ndependsOn: me'), 'dependsOn', ['`dependsOn`', '`me`', 'itself']],
  ['verify: boolean', 'a.md', md('verify: true'), 'verify', ['`verify`', '`true` (boolean)']],
  ['env: string', 'a.md', md('env: FOO=1'), 'env', ['`env`', '`"FOO=1"` (string)']],
  ['env: list', 'a.md', md('env: [FOO]'), 'env', ['`env`', '(array)']],
  ['env: number value', 'a.md', md('env:\n  PORT: 8080'), 'env.PORT', ['`env.PORT`', '`8080` (number)', 'PORT: "8080"']],
  ['env: boolean value', 'a.md', md('env:\n  DEBUG: true'), 'env.DEBUG', ['`env.DEBUG`', '`true` (boolean)']],
  ['env: bad name', 'a.json', json({ prompt: 'x', env: { 'A=B': 'c' } }), 'env.A=B', ['`env`', '"A=B"']],
  ['run: list', 'a.md', md('run: []'), 'run', ['`run`', '`[]` (array)']],
  ['estimate: words', 'a.md', md('estimate: a while'), 'estimate', ['`estimate`', '`"a while"` (string)']],
  ['budgetUsd: negative', 'a.md', md('budgetUsd: -1'), 'budgetUsd', ['`budgetUsd`', 'non-negative', '`-1` (number)']],
  ['budgetUsd: currency string', 'a.md', md('budgetUsd: $5'), 'budgetUsd', ['`budgetUsd`', '`"$5"` (string)']],
  ['id with /', 'a.md', md('id: a/b'), 'id', ['`"a/b"`', '`/`']],
  ['id with \\', 'a.json', json({ id: 'a\\b', prompt: 'x' }), 'id', ['`"a\\\\b"`', '`\\`']],
  ['id with ..', 'a.md', md('id: a..b'), 'id', ['`"a..b"`', '`..`']],
  ['id starting with .', 'a.md', md('id: .hidden'), 'id', ['`".hidden"`', 'starts with `.`']],
  ['id with a control character', 'a.json', json({ id: 'a\u0007b', prompt: 'x' }), 'id', ['`"a\\u0007b"`', 'control character \\u0007']],
  ['id with DEL', 'a.json', json({ id: 'a\u007fb', prompt: 'x' }), 'id', ['`"a\\u007fb"`', 'control character \\u007f']],
  ['id with a C1 control', 'a.json', json({ id: 'a\u0085b', prompt: 'x' }), 'id', ['`"a\\u0085b"`', 'control character \\u0085']],
  ['id over 100 bytes (51 chars)', 'a.md', md(`id: ${'é'.repeat(51)}`), 'id', ['102 bytes', '100 bytes', 'é'.repeat(51)]],
  ['file name stem with ..', 'a..b.md', 'Do it.', 'id', ['`"a..b"`', '`a..b.md`', 'rename the file', '`id:`']],
  ['file name stem starting with a space', ' lead.md', 'Do it.', 'id', ['`" lead"`', 'rename the file']],
  ['JSON file name stem with ..', 'a..b.json', json({ prompt: 'x' }), 'id', ['`a..b.json`', '"id"']],
  ['missing prompt (Markdown)', 'a.md', md('priority: 1', ''), 'prompt', ['prompt', 'after the frontmatter', '`run:`']],
  ['missing prompt (only blank lines)', 'a.md', md('priority: 1', '\n\n   \n'), 'prompt', ['prompt']],
  ['missing prompt (JSON)', 'a.json', json({ priority: 1 }), 'prompt', ['`prompt`', '"run"']],
  ['empty prompt (JSON)', 'a.json', json({ prompt: '  ' }), 'prompt', ['`prompt`']],
  ['prompt given twice', 'a.md', md('prompt: one', 'two'), 'prompt', ['`prompt:`', 'twice']],
];

describe('parseTaskFile rejects', () => {
  it.each(rejected)('%s', (_what, name, content, path, needles) => {
    const result = parse(name, content);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.problems.find((p) => p.path === path);
    expect(problem, JSON.stringify(result.problems)).toBeDefined();
    for (const needle of needles) expect(problem!.message).toContain(needle);
  });
});

describe('parseTaskFile collects every problem at once', () => {
  it('reports each bad field, and unknown fields as warnings', () => {
    const result = parse('a.md', md('priority: high\ntimeout: soon\nenv: {A: 1}\nmax_attempts: 2', ''));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path).sort()).toEqual(['env.A', 'priority', 'prompt', 'timeout']);
    expect(result.warnings.map((p) => p.path)).toEqual(['max_attempts']);
  });

  it('reports the extension and binary content together', () => {
    const result = parse('a.bin', Buffer.from([0, 1, 2]));
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('`.bin`'),
      expect.stringContaining('NUL'),
    ]);
  });
});

describe('parseTaskFile accepts', () => {
  it('a Markdown prompt without frontmatter, with defaults', () => {
    expect(accepted('fix-login.md', '# Fix the login\n\nUsers cannot log in.\n')).toEqual({
      id: 'fix-login', title: 'Fix the login', prompt: '# Fix the login\n\nUsers cannot log in.', priority: 0, touches: [], dependsOn: [], env: {},
    });
  });

  it('every field from frontmatter', () => {
    const task = accepted('a.md', md([
      'id: login', 'title: Login', 'priority: -2', 'agent: claude', 'timeout: 15m', 'maxAttempts: 3', 'touches: src/**',
      'dependsOn: [setup, "db schema"]', 'verify: npm test', 'env: {LOG: debug}', 'estimate: 2h', 'budgetUsd: 0',
    ].join('\n')));
    expect(task).toEqual({
      id: 'login', title: 'Login', prompt: 'Do the thing.', priority: -2, agent: 'claude', timeout: 900, maxAttempts: 3, touches: ['src/**'],
      dependsOn: ['setup', 'db schema'], verify: 'npm test', env: { LOG: 'debug' }, estimate: 120, budgetUsd: 0,
    });
  });

  it('a JSON task', () => {
    const task = accepted('b.json', json({ prompt: 'Add a flag.', priority: 5, touches: ['src/cli/**'], timeout: 90 }));
    expect(task).toMatchObject({ id: 'b', title: 'Add a flag.', prompt: 'Add a flag.', priority: 5, touches: ['src/cli/**'], timeout: 90 });
  });

  it('a run-only shell task, its prompt taken from the title or the command', () => {
    expect(accepted('lint.md', md('run: npm run lint', ''))).toMatchObject({ prompt: 'npm run lint', title: 'npm run lint', run: 'npm run lint' });
    expect(accepted('lint.json', json({ run: 'npm run lint', title: 'Lint' }))).toMatchObject({ prompt: 'Lint', title: 'Lint' });
  });

  it('an unknown field, with a warning', () => {
    const result = parse('a.md', md('colour: blue'));
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([{ path: 'colour', message: expect.stringContaining('Unknown field `colour`') }]);
  });

  it.each([
    ['max_attempts', 'maxAttempts'], ['depends_on', 'dependsOn'], ['maxattempts', 'maxAttempts'], ['depends-on', 'dependsOn'],
    ['Priority', 'priority'], ['prioirty', 'priority'], ['timout', 'timeout'], ['budget_usd', 'budgetUsd'], ['deps', 'dependsOn'],
  ])('near miss `%s`, suggesting `%s`', (field, known) => {
    const result = parse('a.md', md(`${field}: 1`));
    expect(result.warnings[0]).toEqual({ path: field, message: expect.stringContaining(`did you mean \`${known}\`?`) });
  });

  it.each([
    ['fix login bug.md', 'fix login bug'],
    ['café-über.md', 'café-über'],
    ['日本語.markdown', '日本語'],
    ['UPPER.MD', 'UPPER'],
    ['x.json.md', 'x.json'],
  ])('file name %j as id %j', (name, id) => {
    expect(accepted(name, 'Do it.').id).toBe(id);
  });

  it('an id of exactly 100 bytes', () => {
    expect(accepted('a.md', md(`id: ${'é'.repeat(50)}`)).id).toBe('é'.repeat(50));
  });

  it.each([
    ['timeout: 90s', 'timeout', 90], ['timeout: 15m', 'timeout', 900], ['timeout: 1h', 'timeout', 3600], ['timeout: 1h30m', 'timeout', 5400],
    ['timeout: 120', 'timeout', 120], ['timeout: "45"', 'timeout', 45], ['timeout: 2.5 minutes', 'timeout', 150],
    ['estimate: 30m', 'estimate', 30], ['estimate: 2h', 'estimate', 120], ['estimate: 45', 'estimate', 45], ['estimate: 90s', 'estimate', 1.5],
  ])('duration `%s`', (line, field, value) => {
    expect(accepted('a.md', md(line))[field as 'timeout']).toBe(value);
  });

  it('a title from the first line, clipped to 80 characters', () => {
    const title = accepted('a.md', `${'word '.repeat(30)}\nmore`).title;
    expect(Array.from(title)).toHaveLength(80);
    expect(title.endsWith('…')).toBe(true);
  });

  it('a heading after a code block, not a comment inside it', () => {
    expect(accepted('a.md', 'Intro\n```sh\n# not a title\n```\n## Real title ##\n').title).toBe('Real title');
  });

  it('a byte order mark, CRLF line ends and an empty frontmatter', () => {
    const task = accepted('a.md', '\uFEFF---\r\n---\r\n\r\nLine one\r\nLine two\r\n');
    expect(task).toMatchObject({ id: 'a', title: 'Line one', prompt: 'Line one\nLine two' });
  });

  it('the prompt from `prompt:` when the body is empty', () => {
    expect(accepted('a.md', md('prompt: Do it', '')).prompt).toBe('Do it');
  });

  it('repeated dependsOn ids once', () => {
    expect(accepted('a.md', md('dependsOn: [x, x, y]')).dependsOn).toEqual(['x', 'y']);
  });

  it('a file of exactly 1 MiB', () => {
    expect(accepted('a.md', Buffer.alloc(MAX_TASK_FILE_BYTES, 'a')).id).toBe('a');
  });

  it('a real U+FFFD character in valid UTF-8', () => {
    expect(accepted('a.md', 'Replace \uFFFD with ?').prompt).toBe('Replace \uFFFD with ?');
  });
});
