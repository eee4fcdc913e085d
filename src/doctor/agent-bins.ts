import fs from 'node:fs';
import path from 'node:path';
import { claudeRootRefusal } from '../agents/claude-root.js';
import type { AgentSettings } from '../agents/types.js';
import type { Check } from './check.js';

/** The program an agent runs by default; agents without one (shell, demo) need nothing installed. */
const DEFAULT_BINS: Record<string, string> = { claude: 'claude', codex: 'codex', aider: 'aider' };

const INSTALL: Record<string, string> = {
  claude: 'npm install -g @anthropic-ai/claude-code',
  codex: 'npm install -g @openai/codex',
  aider: 'python -m pip install aider-install && aider-install',
};

/** Where `name` is found: a path with a slash as given (relative to `cwd`), else the first match on PATH. */
export function findExecutable(name: string, cwd: string, envPath = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [path.resolve(cwd, name)] : envPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** The program an agent needs, from its settings or its default; undefined when it needs none. */
export function agentProgram(agent: string, settings: AgentSettings | undefined): { program: string; setting: boolean } | undefined {
  if (typeof settings?.bin === 'string' && settings.bin !== '') return { program: settings.bin, setting: true };
  if (agent === 'command') {
    const first = Array.isArray(settings?.template) ? settings.template[0] : undefined;
    return typeof first === 'string' && first !== '' ? { program: first, setting: true } : undefined;
  }
  const bin = DEFAULT_BINS[agent];
  return bin ? { program: bin, setting: false } : undefined;
}

/** One check per agent: is its program installed where the settings say? */
export function checkAgent(agent: string, settings: AgentSettings | undefined, repo: string): Check {
  const name = `agent ${agent}`;
  if (agent === 'command' && agentProgram(agent, settings) === undefined) {
    return { name, status: 'fail', message: 'the `command` agent has no command to run', fix: 'parallel-loop config set agentSettings.command.template \'["my-agent", "{prompt_file}"]\'' };
  }
  const need = agentProgram(agent, settings);
  if (!need) return { name, status: 'ok', message: `${agent} needs no program installed` };
  const found = findExecutable(need.program, repo);
  if (found) return { name, status: 'ok', message: `${agent}: ${found}` };
  const where = need.setting ? `at ${need.program} (agentSettings.${agent}.${agent === 'command' ? 'template' : 'bin'})` : `on PATH`;
  const install = INSTALL[agent];
  return {
    name,
    status: 'fail',
    message: `${agent}: \`${need.program}\` not found ${where}`,
    fix: `${install ? `install it (${install}) or ` : ''}point to it: parallel-loop config set agentSettings.${agent}.bin /path/to/${DEFAULT_BINS[agent] ?? 'program'}; or use another agent: parallel-loop config set agent shell`,
  };
}

/** As root, would Claude Code refuse the permission mode the settings give it? */
export function checkClaudeRoot(settings: AgentSettings | undefined, env: Record<string, string | undefined>, uid: number): Check {
  const name = 'agent claude as root';
  let refusal: ReturnType<typeof claudeRootRefusal>;
  try {
    refusal = claudeRootRefusal({ uid, settings: settings ?? {}, env });
  } catch (err) {
    return { name, status: 'fail', message: err instanceof Error ? err.message : String(err), fix: 'correct the setting: parallel-loop config set/unset agentSettings.claude.<setting>' };
  }
  if (uid !== 0) return { name, status: 'ok', message: 'claude: not running as root, so Claude Code accepts its permission mode' };
  if (!refusal) return { name, status: 'ok', message: 'claude: running as root, and Claude Code accepts its permission mode here (IS_SANDBOX=1, the sandbox setting, or a mode allowed as root)' };
  return { name, status: 'fail', message: `claude: ${refusal.message}`, fix: refusal.fix };
}
