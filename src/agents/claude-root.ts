// Not from claude.js: `run` checks this before anything starts, and the adapter's parsing is not needed for it.
import { DEFAULT_PERMISSION_MODE, booleanSetting, listSetting, stringSetting } from './settings.js';
import type { Task } from '../task/types.js';
import type { AgentSettings } from './types.js';

/** What Claude Code prints when it refuses to skip permission prompts as root. */
export const ROOT_REFUSAL_LINE = '--dangerously-skip-permissions cannot be used with root/sudo privileges';

export interface ClaudeRootFacts {
  /** User id of the process the agent would run as (`process.getuid()`). */
  uid: number;
  settings: AgentSettings;
  /** The environment the agent would inherit (the run's), before the adapter adds its own. */
  env: Record<string, string | undefined>;
}

/**
 * Why Claude Code would refuse every attempt with these settings, and the fix, or undefined when it
 * would start. As root it refuses `--permission-mode bypassPermissions` and
 * `--dangerously-skip-permissions` unless IS_SANDBOX is exactly `1`. Pure; throws PlError
 * `BAD_AGENT_SETTING` for a malformed setting, as the adapter would.
 */
export function claudeRootRefusal(facts: ClaudeRootFacts): { message: string; fix: string } | undefined {
  if (facts.uid !== 0) return undefined;
  const { settings } = facts;
  const mode = stringSetting('claude', settings, 'permissionMode') ?? DEFAULT_PERMISSION_MODE;
  const skips = listSetting('claude', settings, 'extraArgs').includes('--dangerously-skip-permissions');
  if (mode !== 'bypassPermissions' && !skips) return undefined;
  if (facts.env.IS_SANDBOX === '1' || booleanSetting('claude', settings, 'sandbox')) return undefined;
  const what = skips ? '`--dangerously-skip-permissions`' : 'permission mode `bypassPermissions`';
  // Containers often set it to `yes` or `true`, which Claude Code does not take.
  const set = facts.env.IS_SANDBOX;
  const notOne = set !== undefined ? ` (IS_SANDBOX is \`${set}\` here; Claude Code takes only \`1\`)` : '';
  return {
    message: `Claude Code refuses ${what} when run as root ("${ROOT_REFUSAL_LINE}"), so every claude attempt would fail${notOne}`,
    fix:
      'if this container is the sandbox, set IS_SANDBOX=1 in the environment or run ' +
      '`parallel-loop config set agentSettings.claude.sandbox true`; or run parallel-loop as a non-root user; ' +
      'or choose another permission mode: `parallel-loop config set agentSettings.claude.permissionMode acceptEdits`',
  };
}

/**
 * Whether a run would start claude where a refusal applies: a queued task runs claude (its own
 * `agent:` or the default) without IS_SANDBOX=1 in its own `env`. Stops at the first such task.
 * With nothing queued, only a default asked for on the command line (`--agent claude`) counts: a
 * default from the settings may never be used, and later tasks meet the breaker instead. Pure over `tasks`.
 */
export function startsClaude(tasks: Iterable<Task>, defaultAgent: string, askedOnCommandLine: boolean): boolean {
  let any = false;
  for (const task of tasks) {
    any = true;
    if ((task.agent ?? defaultAgent) === 'claude' && task.env.IS_SANDBOX !== '1') return true;
  }
  return !any && askedOnCommandLine && defaultAgent === 'claude';
}
