import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import ts from 'typescript';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AGENT_SCRIPT, demoAdapter } from '../../src/agents/demo.js';
import { planDemoEdit } from '../../src/agents/demo-plan.js';
import type { AgentContext } from '../../src/agents/types.js';
import { sumUsage } from '../../src/agents/usage.js';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/agents');

describe('planDemoEdit', () => {
  it.each([
    ['Create notes/a.md with a short note', { file: 'notes/a.md', content: 'a short note\n', append: false }],
    ['Title\n\nWrite `docs/x.md`: two words', { file: 'docs/x.md', content: 'two words\n', append: false }],
    ['append to log.md: one more line', { file: 'log.md', content: 'one more line\n', append: true }],
    ['Create hello.txt', { file: 'hello.txt', content: 'Create hello.txt\n', append: false }],
    ['Write a test for the parser', { file: 'demo/t-1.md', content: '# t 1\n\nWrite a test for the parser\n', append: false }],
    ['Create ../outside.md with x', { file: 'demo/t-1.md', content: '# t 1\n\nCreate ../outside.md with x\n', append: false }],
    ['Create .git/config with x', { file: 'demo/t-1.md', content: '# t 1\n\nCreate .git/config with x\n', append: false }],
  ])('%j', (prompt, expected) => expect(planDemoEdit(prompt, 't 1')).toEqual({ ...expected, fail: false }));

  it('fails on request', () => expect(planDemoEdit('Create a.md with x\ndemo:fail', 't').fail).toBe(true));
});

describe('demo agent process', () => {
  let out: string;
  let script: string;

  // Compile the agent's two source files, so the test runs the current code, not a stale dist/.
  // Its own folder, kept for the whole file (tmpDir folders go after each test).
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-demo-build-'));
    for (const name of ['demo-agent', 'demo-plan']) {
      const source = fs.readFileSync(path.join(src, `${name}.ts`), 'utf8');
      const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      fs.writeFileSync(path.join(out, `${name}.js`), outputText);
    }
    fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
    script = path.join(out, 'demo-agent.js');
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  async function runDemo(repo: string, prompt: string) {
    const promptFile = path.join(tmpDir('pl-demo-prompt-'), 'prompt.md');
    fs.writeFileSync(promptFile, prompt);
    const ctx: AgentContext = {
      task: { id: 'note', title: 'note', prompt, priority: 0, touches: [], dependsOn: [], env: {} },
      worktree: repo,
      promptFile,
      prompt,
      agentId: 'a1',
      attempt: 1,
      gen: 1,
    };
    const inv = demoAdapter.invocation(ctx, {});
    expect(inv.file).toBe(process.execPath);
    expect(inv.args[0]).toBe(DEMO_AGENT_SCRIPT);
    const child = await execa(inv.file, [script, ...inv.args.slice(1)], { cwd: repo, reject: false, env: { PL_DEMO_DELAY_MS: '30' } });
    return { child, events: child.stdout.split('\n').flatMap((l) => demoAdapter.parseLine(l)) };
  }

  it('ships next to the adapter as demo-agent.js', () => {
    expect(DEMO_AGENT_SCRIPT).toBe(path.join(path.dirname(fileURLToPath(new URL('../../src/agents/demo.ts', import.meta.url))), 'demo-agent.js'));
  });

  it('writes the file the prompt names and commits it', async () => {
    const repo = tmpRepo();
    const { child, events } = await runDemo(repo, 'Create notes/today.md with Remember the milk');
    expect(child.exitCode, child.stderr).toBe(0);
    expect(fs.readFileSync(path.join(repo, 'notes/today.md'), 'utf8')).toBe('Remember the milk\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    expect(git('status', '--porcelain')).toBe('');
    expect(git('log', '-1', '--format=%s')).toBe('demo: write notes/today.md for task note');
    expect(events.map((e) => e.kind)).toEqual(['text', 'text', 'text', 'result']);
    expect(sumUsage(events)).toEqual({ costUsd: 0, turns: 1 });
  });

  it('succeeds without a commit when the file already holds that content', async () => {
    const repo = tmpRepo({ 'a.md': 'same\n' });
    const { child } = await runDemo(repo, 'Create a.md with same');
    expect(child.exitCode, child.stderr).toBe(0);
    expect(child.stdout).toContain('already had this content');
  });

  it('exits 1 when the prompt says demo:fail', async () => {
    const repo = tmpRepo();
    const { child } = await runDemo(repo, 'demo:fail');
    expect(child.exitCode).toBe(1);
    expect(child.stderr).toContain('failing on purpose');
  });
});
