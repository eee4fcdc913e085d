import { PlError } from '../errors.js';
import type { AgentAdapter, AgentContext, AgentInvocation, AgentSettings } from './types.js';
import { listSetting } from './settings.js';

/** Placeholders the `command` template may use, and where their values come from. */
const PLACEHOLDERS: Record<string, (ctx: AgentContext) => string> = {
  prompt_file: (ctx) => ctx.promptFile,
  task_id: (ctx) => ctx.task.id,
  worktree: (ctx) => ctx.worktree,
  attempt: (ctx) => String(ctx.attempt),
  agent_id: (ctx) => ctx.agentId,
  prompt: (ctx) => ctx.prompt,
};

/** One template argument with every known `{name}` replaced; unknown braces are left as written. */
export function fillTemplateArg(arg: string, ctx: AgentContext): string {
  return arg.replace(/\{([a-z_]+)\}/g, (whole, name: string) => PLACEHOLDERS[name]?.(ctx) ?? whole);
}

/**
 * Any program, from an argv template in `agentSettings.command.template`, e.g.
 * `["my-agent", "--prompt-file", "{prompt_file}"]`. Placeholders: {prompt_file} {task_id}
 * {worktree} {attempt} {agent_id} {prompt}. Each element stays one argument, never a shell string.
 */
export const commandAdapter: AgentAdapter = {
  name: 'command',
  invocation(ctx: AgentContext, settings: AgentSettings): AgentInvocation {
    const template = listSetting('command', settings, 'template');
    if (template.length === 0 || template[0] === '') {
      throw new PlError(
        'AGENT_TEMPLATE_MISSING',
        'The `command` agent needs a command to run: set `agentSettings.command.template` in .parallel-loop.json to an argument list, ' +
          'e.g. ["my-agent", "--prompt-file", "{prompt_file}"]. Placeholders: ' +
          Object.keys(PLACEHOLDERS).map((name) => `{${name}}`).join(' '),
      );
    }
    const [file, ...args] = template.map((arg) => fillTemplateArg(arg, ctx));
    return { file: file!, args: [...args, ...listSetting('command', settings, 'extraArgs')] };
  },
  parseLine: () => [],
};
