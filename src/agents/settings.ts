import { PlError } from '../errors.js';
import type { AgentSettings } from './types.js';

// `agentSettings` comes from the config file unchecked (it is keyed by adapter
// name), so each adapter checks the settings it reads, here, where they are used.

function describe(value: unknown): string {
  return `\`${JSON.stringify(value) ?? String(value)}\` (${Array.isArray(value) ? 'array' : typeof value})`;
}

function badSetting(agent: string, key: string, expected: string, value: unknown): PlError {
  return new PlError('BAD_AGENT_SETTING', `Expected \`agentSettings.${agent}.${key}\` to be ${expected}, got ${describe(value)}`);
}

/** The setting as a string, or undefined when unset. Throws PlError `BAD_AGENT_SETTING` for anything else. */
export function stringSetting(agent: string, settings: AgentSettings, key: 'bin' | 'model' | 'permissionMode'): string | undefined {
  const value: unknown = settings[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw badSetting(agent, key, 'a non-empty string', value);
  return value;
}

/** The setting as true or false (false when unset). Throws PlError `BAD_AGENT_SETTING` for anything else. */
export function booleanSetting(agent: string, settings: AgentSettings, key: 'sandbox'): boolean {
  const value: unknown = settings[key];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw badSetting(agent, key, 'true or false', value);
  return value;
}

/** The setting as a list of strings ([] when unset). Throws PlError `BAD_AGENT_SETTING` for anything else. */
export function listSetting(agent: string, settings: AgentSettings, key: 'extraArgs' | 'template'): string[] {
  const value: unknown = settings[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw badSetting(agent, key, 'an array of strings', value);
  }
  return value;
}

/** `--model <name>` when a model is set, else nothing. */
export function modelArgs(agent: string, settings: AgentSettings): string[] {
  const model = stringSetting(agent, settings, 'model');
  return model === undefined ? [] : ['--model', model];
}

// Linux refuses a single argument over 128 KiB (E2BIG); longer prompts go through stdin.
const MAX_PROMPT_ARG_BYTES = 100_000;

/** Whether the prompt is too long to pass as one command-line argument. */
export function promptNeedsStdin(prompt: string): boolean {
  return Buffer.byteLength(prompt, 'utf8') > MAX_PROMPT_ARG_BYTES;
}

/** Claude Code's permission mode when `agentSettings.claude.permissionMode` names none. */
export const DEFAULT_PERMISSION_MODE = 'bypassPermissions';
