import type { AgentAdapter, AgentContext, AgentInvocation, AgentSettings } from './types.js';
import { parseClaudeLine } from './claude-events.js';
import { DEFAULT_PERMISSION_MODE, booleanSetting, listSetting, modelArgs, promptNeedsStdin, stringSetting } from './settings.js';

/** Permission mode used when `agentSettings.claude.permissionMode` is not set (kept in settings.ts, which `run`'s root check loads alone). */
export { DEFAULT_PERMISSION_MODE };

/**
 * Claude Code in print mode:
 * `claude -p --output-format stream-json --verbose --permission-mode <mode> [--model m] [extraArgs] -- <prompt>`.
 *
 * The prompt comes after `--` so a prompt starting with `-`, or an extra argument that takes
 * several values (`--allowedTools A B`), cannot swallow or misread it. A prompt too long for
 * one argument goes through stdin, which `claude -p` reads when no prompt argument is given.
 *
 * As root the CLI refuses `bypassPermissions` unless IS_SANDBOX=1 is in its environment;
 * `acceptEdits` works as root but lets only file edits through, not shell commands.
 * `agentSettings.claude.sandbox: true` sets IS_SANDBOX=1, for a container that is the sandbox on purpose.
 */
export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  invocation(ctx: AgentContext, settings: AgentSettings): AgentInvocation {
    const mode = stringSetting('claude', settings, 'permissionMode') ?? DEFAULT_PERMISSION_MODE;
    const args = [
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      mode,
      ...modelArgs('claude', settings),
      ...listSetting('claude', settings, 'extraArgs'),
    ];
    const file = stringSetting('claude', settings, 'bin') ?? 'claude';
    const env = booleanSetting('claude', settings, 'sandbox') ? { env: { IS_SANDBOX: '1' } } : {};
    if (promptNeedsStdin(ctx.prompt)) return { file, args, input: ctx.prompt, ...env };
    return { file, args: [...args, '--', ctx.prompt], ...env };
  },
  parseLine: parseClaudeLine,
};
