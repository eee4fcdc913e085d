import { PlError } from '../errors.js';
import { adapterNames } from '../agents/registry.js';
import type { RunOptions } from './options.js';
import { checkOption, optionConflicts, resolveOptions, validateConfig } from './validate.js';
import { OPTION_NAMES, OPTION_TABLE, isOptionName } from './option-table.js';

/** Settings under `agentSettings.<agent>`, and whether each is a string, a list of strings or true/false. */
const AGENT_SETTING_KINDS: Record<string, 'string' | 'strings' | 'boolean'> = { bin: 'string', model: 'string', permissionMode: 'string', extraArgs: 'strings', template: 'strings', sandbox: 'boolean' };
const AGENT_SETTING_EXPECTED = { string: 'a non-empty string', strings: 'an array of strings, e.g. \'["--verbose"]\'', boolean: 'true or false' } as const;

export type Source = 'default' | 'file' | 'derived';

/** One effective setting: its value (undefined when unset) and where it came from. */
export interface Effective {
  key: string;
  value: unknown;
  source: Source;
}

/** `config set` values: JSON when they look like JSON (numbers, true/false, arrays, objects, quoted strings), else the text. */
export function parseValue(text: string): unknown {
  const t = text.trim();
  if (!/^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?|\[[\s\S]*\]|\{[\s\S]*\}|"[\s\S]*")$/.test(t)) return text;
  try {
    return JSON.parse(t);
  } catch (err) {
    throw new PlError('BAD_OPTION', `The value \`${text}\` looks like JSON but is not valid JSON (${(err as Error).message}); quote it for the shell, e.g. '["a","b"]'.`);
  }
}

/** Every setting with its effective value and source: defaults, then the file. Pure. */
export function effectiveSettings(file: Partial<RunOptions>): Effective[] {
  const merged = resolveOptions(file, {}) as unknown as Record<string, unknown>;
  return OPTION_NAMES.map((key) => ({
    key,
    value: merged[key],
    source: key in file ? 'file' : key === 'heartbeatMs' || (key === 'stageTimeoutSec' && 'timeoutSec' in file) ? 'derived' : 'default',
  }));
}

/** A copy of `raw` with `key` set to `value`, after checking both. Throws PlError naming the key. Pure. */
export function withSetting(raw: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const [top, agent, setting] = splitKey(key);
  if (agent === undefined) {
    // `config set target 2024` means the branch "2024", not a number.
    const { kind } = OPTION_TABLE[top as keyof RunOptions];
    const v = (typeof value === 'number' || typeof value === 'boolean') && !kind.accepts(value) && kind.accepts(String(value)) ? String(value) : value;
    const problem = checkOption(top as keyof RunOptions, v);
    if (problem) throw badValue(key, problem);
    return { ...raw, [top]: v };
  }
  const kind = AGENT_SETTING_KINDS[setting!]!;
  const ok = kind === 'string' ? typeof value === 'string' && value !== '' : kind === 'boolean' ? typeof value === 'boolean' : Array.isArray(value) && value.every((x) => typeof x === 'string');
  if (!ok) throw badValue(key, `Expected \`${key}\` to be ${AGENT_SETTING_EXPECTED[kind]}, got \`${JSON.stringify(value)}\`.`);
  const all = isObject(raw.agentSettings) ? raw.agentSettings : {};
  const mine = isObject(all[agent]) ? all[agent] : {};
  return { ...raw, agentSettings: { ...all, [agent]: { ...mine, [setting!]: value } } };
}

/** A copy of `raw` without `key` (empty agentSettings objects go too), and whether it was set. Pure. */
export function withoutSetting(raw: Record<string, unknown>, key: string): { next: Record<string, unknown>; had: boolean } {
  const [top, agent, setting] = splitKey(key);
  const next = { ...raw };
  if (agent === undefined) {
    const had = top in next;
    delete next[top];
    return { next, had };
  }
  const all = isObject(raw.agentSettings) ? { ...raw.agentSettings } : {};
  const mine = isObject(all[agent]) ? { ...all[agent] } : {};
  const had = setting! in mine;
  delete mine[setting!];
  if (Object.keys(mine).length > 0) all[agent] = mine;
  else delete all[agent];
  if (Object.keys(all).length > 0) next.agentSettings = all;
  else delete next.agentSettings;
  return { next, had };
}

/** Problems the rest of the file has, as `key: message`, so a change never hides them. */
export function otherProblems(raw: Record<string, unknown>, fileName: string): string[] {
  const { options, problems } = validateConfig(raw);
  // Settings valid one by one may still not go together (see optionConflicts).
  const conflicts = optionConflicts(resolveOptions(options, {}), options, {}, fileName).map((c) => c.message);
  return [...problems.map((p) => `${p.path}: ${p.message}`), ...conflicts];
}

/** `maxAttempts` → ['maxAttempts']; `agentSettings.claude.bin` → ['agentSettings', 'claude', 'bin']. Throws for unknown keys. */
export function splitKey(key: string): [string, string?, string?] {
  const parts = key.split('.');
  if (parts.length === 1 && isOptionName(key)) return [key];
  if (parts.length === 3 && parts[0] === 'agentSettings') {
    const [, agent, setting] = parts as [string, string, string];
    if (!adapterNames.includes(agent)) throw badKey(key, `\`${agent}\` is not an agent; agents: ${adapterNames.join(', ')}.`);
    if (!(setting in AGENT_SETTING_KINDS)) throw badKey(key, `agent settings are ${Object.keys(AGENT_SETTING_KINDS).join(', ')}.`);
    return ['agentSettings', agent, setting];
  }
  throw badKey(key, `known settings: ${OPTION_NAMES.join(', ')}, and agentSettings.<agent>.<${Object.keys(AGENT_SETTING_KINDS).join('|')}>.`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badKey(key: string, why: string): PlError {
  return new PlError('UNKNOWN_SETTING', `Unknown setting \`${key}\`: ${why}`);
}

function badValue(key: string, message: string): PlError {
  return new PlError('BAD_OPTION', `${key}: ${message}`);
}
