import { describe, expect, it } from 'vitest';
import { commandAdapter, fillTemplateArg } from '../../src/agents/command.js';
import { adapterNames, getAdapter } from '../../src/agents/registry.js';
import { shellAdapter } from '../../src/agents/shell.js';
import type { AgentContext } from '../../src/agents/types.js';

const ctx = (run?: string): AgentContext => ({
  task: { id: 'fix-login', title: 'Fix login', prompt: 'Fix it; rm -rf / $(x)', priority: 0, touches: [], dependsOn: [], env: {}, run },
  worktree: '/repo/.wt/fix-login.2',
  promptFile: '/state/prompts/fix-login.2.md',
  prompt: 'Fix it; rm -rf / $(x)',
  agentId: 'agent-3',
  attempt: 2,
  gen: 2,
});

describe('command adapter', () => {
  it('fills every placeholder, each argument staying one argument', () => {
    const template = ['my-agent', '--file={prompt_file}', '{task_id}', '{worktree}', '{attempt}', '{agent_id}', '{prompt}', '{unknown}', '{"json":1}'];
    expect(commandAdapter.invocation(ctx(), { template, extraArgs: ['--fast'] })).toEqual({
      file: 'my-agent',
      args: ['--file=/state/prompts/fix-login.2.md', 'fix-login', '/repo/.wt/fix-login.2', '2', 'agent-3', 'Fix it; rm -rf / $(x)', '{unknown}', '{"json":1}', '--fast'],
    });
  });

  it('fills the program name too', () => expect(fillTemplateArg('{worktree}/bin/agent', ctx())).toBe('/repo/.wt/fix-login.2/bin/agent'));

  it.each([[undefined], [[]], [['']]])('says how to set a missing template (%j)', (template) => {
    expect(() => commandAdapter.invocation(ctx(), { template })).toThrow(
      expect.objectContaining({ code: 'AGENT_TEMPLATE_MISSING', message: expect.stringContaining('agentSettings.command.template') }),
    );
  });

  it('rejects a template written as one string', () => {
    expect(() => commandAdapter.invocation(ctx(), { template: 'my-agent {prompt_file}' as unknown as string[] })).toThrow(
      expect.objectContaining({ code: 'BAD_AGENT_SETTING', message: expect.stringContaining('`agentSettings.command.template` to be an array of strings') }),
    );
  });

  it('has no structured output', () => expect(commandAdapter.parseLine('{"type":"result"}')).toEqual([]));
});

describe('shell adapter', () => {
  it("runs the task's own command with /bin/sh -c", () => {
    expect(shellAdapter.invocation(ctx('npm run build && echo ok'), {})).toEqual({ file: '/bin/sh', args: ['-c', 'npm run build && echo ok'] });
  });

  it.each([[undefined], ['  ']])('refuses a task without run (%j)', (run) => {
    expect(() => shellAdapter.invocation(ctx(run), {})).toThrow(
      expect.objectContaining({ code: 'SHELL_TASK_WITHOUT_RUN', message: expect.stringContaining('"fix-login"') }),
    );
  });
});

describe('registry', () => {
  it('knows every built-in adapter by name', () => {
    expect(adapterNames).toEqual(['claude', 'codex', 'aider', 'command', 'shell', 'demo']);
    for (const name of adapterNames) expect(getAdapter(name).name).toBe(name);
  });

  it('lists the known names for an unknown one', () => {
    expect(() => getAdapter('gpt')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_AGENT', exitCode: 5, message: 'Unknown agent "gpt". Known agents: claude, codex, aider, command, shell, demo.' }),
    );
  });
});
