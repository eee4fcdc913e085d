// Claude Code as root: which settings it refuses, and which runs would start it that way.
import { describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../src/agents/claude.js';
import { claudeRootRefusal, startsClaude } from '../../src/agents/claude-root.js';
import type { Task } from '../../src/task/types.js';

const task = (fields: Partial<Task> = {}): Task => ({ id: 't', title: 'T', prompt: 'p', priority: 0, touches: [], dependsOn: [], env: {}, ...fields });

describe('claudeRootRefusal', () => {
  it('refuses the default permission mode as root without IS_SANDBOX=1, naming every fix', () => {
    const refusal = claudeRootRefusal({ uid: 0, settings: {}, env: {} });
    expect(refusal?.message).toContain('bypassPermissions');
    expect(refusal?.message).toContain('cannot be used with root/sudo privileges');
    expect(refusal?.fix).toContain('IS_SANDBOX=1');
    expect(refusal?.fix).toContain('agentSettings.claude.sandbox true');
    expect(refusal?.fix).toContain('non-root user');
    expect(refusal?.fix).toContain('permissionMode acceptEdits');
  });

  it('counts only IS_SANDBOX=1, as Claude Code does', () => {
    expect(claudeRootRefusal({ uid: 0, settings: {}, env: { IS_SANDBOX: 'yes' } })?.message).toMatch(/\(IS_SANDBOX is `yes` here; Claude Code takes only `1`\)$/);
    expect(claudeRootRefusal({ uid: 0, settings: {}, env: {} })?.message).not.toContain('IS_SANDBOX is');
    expect(claudeRootRefusal({ uid: 0, settings: {}, env: { IS_SANDBOX: '1' } })).toBeUndefined();
  });

  it('accepts a non-root user, the sandbox setting, and a mode Claude Code allows as root', () => {
    expect(claudeRootRefusal({ uid: 1000, settings: {}, env: {} })).toBeUndefined();
    expect(claudeRootRefusal({ uid: 0, settings: { sandbox: true }, env: {} })).toBeUndefined();
    expect(claudeRootRefusal({ uid: 0, settings: { permissionMode: 'acceptEdits' }, env: {} })).toBeUndefined();
  });

  it('refuses --dangerously-skip-permissions in extraArgs whatever the mode', () => {
    const refusal = claudeRootRefusal({ uid: 0, settings: { permissionMode: 'acceptEdits', extraArgs: ['--dangerously-skip-permissions'] }, env: {} });
    expect(refusal?.message).toContain('`--dangerously-skip-permissions`');
  });

  it('names a malformed sandbox setting', () => {
    expect(() => claudeRootRefusal({ uid: 0, settings: { sandbox: 'yes' as unknown as boolean }, env: {} })).toThrow(/Expected `agentSettings.claude.sandbox` to be true or false, got `"yes"` \(string\)/);
  });
});

describe('startsClaude', () => {
  it('is true when a queued task runs claude, by its own agent or the default', () => {
    expect(startsClaude([task({ agent: 'shell' }), task()], 'claude', false)).toBe(true);
    expect(startsClaude([task({ agent: 'claude' })], 'shell', false)).toBe(true);
  });

  it('is false when every queued task runs another agent or sets IS_SANDBOX=1 itself', () => {
    expect(startsClaude([task({ agent: 'shell' })], 'claude', true)).toBe(false);
    expect(startsClaude([task({ agent: 'claude', env: { IS_SANDBOX: '1' } })], 'claude', true)).toBe(false);
  });

  it('with nothing queued, counts the default only when the command line asked for it', () => {
    expect(startsClaude([], 'claude', true)).toBe(true);
    expect(startsClaude([], 'claude', false)).toBe(false);
    expect(startsClaude([], 'shell', true)).toBe(false);
  });
});

describe('claude adapter sandbox setting', () => {
  const ctx = { task: task(), worktree: '/w', promptFile: '/w/p.md', prompt: 'hi', agentId: 'a1', attempt: 1, gen: 1 };
  it('passes IS_SANDBOX=1 to the agent only when set', () => {
    expect(claudeAdapter.invocation(ctx, { sandbox: true }).env).toEqual({ IS_SANDBOX: '1' });
    expect(claudeAdapter.invocation(ctx, {}).env).toBeUndefined();
  });
});
