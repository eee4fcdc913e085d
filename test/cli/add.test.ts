// `add` checks a task before it reaches the queue and writes it atomically; `run` outside a repository
// is refused with the fix.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { runCli } from '../helpers/run-cli.js';

const queueFiles = (repo: string) => fs.readdirSync(path.join(repo, 'queue')).filter((n) => n.endsWith('.md'));

describe('add', () => {
  it('writes a Markdown task with frontmatter, and refuses a bad value naming it, adding nothing', async () => {
    const repo = tmpRepo();
    const ok = await runCli(repo, ['add', 'Fix the login redirect', '--id', 'fix-login', '--priority', '2', '--touches', 'src/auth/**', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ id: 'fix-login' });
    expect(fs.readFileSync(path.join(repo, 'queue', 'fix-login.md'), 'utf8')).toBe('---\nid: fix-login\npriority: 2\ntouches:\n  - src/auth/**\n---\nFix the login redirect\n');

    const bad = await runCli(repo, ['add', 'Another', '--priority', 'high']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('Expected `priority` to be an integer, got `"high"` (string)');
    const twin = await runCli(repo, ['add', 'Again', '--id', 'fix-login']);
    expect(twin.code).toBe(3);
    expect(twin.stderr).toContain('id `fix-login` is already used by queue/fix-login.md');
    expect(queueFiles(repo)).toEqual(['fix-login.md']);
    expect(fs.readdirSync(path.join(repo, 'queue', '.tmp'))).toEqual([]);
  });

  it('copies an existing task file in, checked first; a broken one is refused with its line', async () => {
    const repo = tmpRepo();
    const src = path.join(tmpDir(), 'task.json');
    fs.writeFileSync(src, '{"prompt": "Do it",}');
    const bad = await runCli(repo, ['add', src]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/task\.json was not added[\s\S]*line 1/);
    fs.writeFileSync(src, '{"prompt": "Do it"}');
    expect((await runCli(repo, ['add', src])).code).toBe(0);
    expect(fs.readdirSync(path.join(repo, 'queue')).filter((n) => n.endsWith('.json'))).toEqual(['task.json']);
  });

  it('reads a prompt that ends in a file name as a prompt; a path is one when the file exists or the word has no spaces', async () => {
    const repo = tmpRepo();
    const prompt = await runCli(repo, ['add', 'Document the option in readme.md', '--json']);
    expect(prompt.code, prompt.stderr).toBe(0);
    expect(JSON.parse(prompt.stdout)).toMatchObject({ id: 'document-the-option-in-readme-md' });
    expect(fs.readFileSync(path.join(repo, 'queue', 'document-the-option-in-readme-md.md'), 'utf8')).toContain('Document the option in readme.md\n');

    const missing = await runCli(repo, ['add', 'tasks/missing.md']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('tasks/missing.md: no such task file');

    const spaced = path.join(tmpDir(), 'my task.md');
    fs.writeFileSync(spaced, '---\nid: spaced\n---\nFrom a file\n');
    const file = await runCli(repo, ['add', spaced, '--json']);
    expect(file.code, file.stderr).toBe(0);
    expect(JSON.parse(file.stdout)).toMatchObject({ id: 'spaced' });
  });
});

describe('run outside a repository', () => {
  it('exits 4 and says how to fix it', async () => {
    const dir = tmpDir();
    const result = await runCli(dir, ['run', '--once']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('is not a git repository with a commit. Run `git init`');
  });
});
