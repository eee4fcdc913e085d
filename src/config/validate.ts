import { PlError } from '../errors.js';
import type { Problem } from '../task/types.js';
import { DEFAULTS, type RunOptions } from './options.js';
import { OPTION_NAMES, OPTION_TABLE, flagOf, isOptionName, type OptionName } from './option-table.js';

function describe(value: unknown): string {
  return `\`${JSON.stringify(value)}\` (${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value})`;
}

/** Check one setting's value as the config file gives it; returns the problem message or undefined. */
export function checkOption(key: OptionName, value: unknown): string | undefined {
  const { kind } = OPTION_TABLE[key];
  if (kind.accepts(value)) return undefined;
  const inner = kind.explain?.(value);
  if (inner) return `Expected \`${key}${inner.field}\` to be ${inner.expected}, got ${describe(inner.got)}.`;
  return `Expected \`${key}\` to be ${kind.expected}, got ${describe(value)}.`;
}

/** Validate a parsed config file: every problem at once, as `path: message`. */
export function validateConfig(raw: unknown): { options: Partial<RunOptions>; problems: Problem[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { options: {}, problems: [{ path: '(top level)', message: `Expected an object of settings, got ${describe(raw)}.` }] };
  }
  const problems: Problem[] = [];
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!isOptionName(key)) {
      problems.push({ path: key, message: `Unknown setting. Known settings: ${OPTION_NAMES.join(', ')}.` });
      continue;
    }
    const message = checkOption(key, value);
    if (message) problems.push({ path: key, message });
    else options[key] = value;
  }
  return { options: options as Partial<RunOptions>, problems };
}

/**
 * The run options the command line gives, read and checked by the same table as the file. `given` maps
 * an option name to what yargs parsed (text, a boolean, or a list of text); undefined means not given.
 * Every bad flag is reported at once, as PlError `BAD_OPTION`.
 */
export function cliOptions(given: Partial<Record<OptionName, unknown>>): Partial<RunOptions> {
  const options: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of OPTION_NAMES) {
    const raw = given[name];
    if (raw === undefined) continue;
    const { kind } = OPTION_TABLE[name];
    const value = typeof raw === 'string' ? kind.fromText(raw) : raw;
    if (kind.accepts(value)) options[name] = value;
    else problems.push(`Expected \`--${flagOf(name)}\` (${name}) to be ${kind.expected}, got ${givenText(raw)}.`);
  }
  if (problems.length > 0) throw new PlError('BAD_OPTION', problems.join('\n'), { details: problems });
  return options as Partial<RunOptions>;
}

function givenText(raw: unknown): string {
  const text = Array.isArray(raw) ? raw.join(' ') : String(raw);
  return text === '' ? 'an empty value' : `\`${text}\``;
}

/** Two settings each valid alone but not together, and why. */
export interface OptionConflict {
  keys: [OptionName, OptionName];
  message: string;
}

/**
 * Settings each valid alone but not together: one message each, naming both settings, their values and
 * where each came from (`--flag`, the config file, a default). Pure.
 */
export function optionConflicts(options: RunOptions, file: Partial<RunOptions>, cli: Partial<RunOptions>, fileName: string): OptionConflict[] {
  const from = (key: OptionName) => (cli[key] !== undefined ? `--${flagOf(key)}` : file[key] !== undefined ? `in ${fileName}` : key === 'heartbeatMs' ? 'staleAfterMs / 6' : 'the default');
  const said = (key: OptionName) => `\`${key}\` ${String(options[key])} (${from(key)})`;
  const conflicts: OptionConflict[] = [];
  if (options.heartbeatMs * 2 > options.staleAfterMs) {
    const message = `${said('heartbeatMs')} must be at most half of ${said('staleAfterMs')}: a worker that missed one heartbeat would have its claim judged stale and reclaimed while it works.`;
    conflicts.push({ keys: ['heartbeatMs', 'staleAfterMs'], message });
  }
  if (options.restartBackoffMs > options.restartBackoffMaxMs) {
    conflicts.push({ keys: ['restartBackoffMs', 'restartBackoffMaxMs'], message: `${said('restartBackoffMs')} is above its cap ${said('restartBackoffMaxMs')}: raise the cap too, or lower the back-off.` });
  }
  return conflicts;
}

/**
 * The conflicts of optionConflicts as one error: PlError `BAD_OPTION` when a flag takes part in one, else
 * `BAD_CONFIG` naming the file (the defaults alone never conflict).
 */
export function refuseConflicts(options: RunOptions, file: Partial<RunOptions>, cli: Partial<RunOptions>, fileName: string): void {
  const conflicts = optionConflicts(options, file, cli, fileName);
  if (conflicts.length === 0) return;
  const byFlag = conflicts.some((c) => c.keys.some((key) => cli[key] !== undefined));
  const messages = conflicts.map((c) => c.message);
  const text = byFlag ? messages.join('\n') : `${fileName} has problems:\n${messages.map((m) => `  ${m}`).join('\n')}`;
  throw new PlError(byFlag ? 'BAD_OPTION' : 'BAD_CONFIG', text, { details: conflicts });
}

/** DEFAULTS, then the config file, then the command line. Heartbeat follows staleAfter unless set. */
export function resolveOptions(file: Partial<RunOptions>, cli: Partial<RunOptions>): RunOptions {
  const merged = { ...DEFAULTS, ...file, ...cli };
  if (file.heartbeatMs === undefined && cli.heartbeatMs === undefined) merged.heartbeatMs = Math.max(50, Math.floor(merged.staleAfterMs / 6));
  // A time limit the user gave for the run holds for pipeline stages too, unless they gave one for stages.
  const stageTimeoutGiven = file.stageTimeoutSec !== undefined || cli.stageTimeoutSec !== undefined;
  if (!stageTimeoutGiven && (file.timeoutSec !== undefined || cli.timeoutSec !== undefined)) merged.stageTimeoutSec = merged.timeoutSec;
  if (merged.inPlace) merged.single = true;
  return merged;
}
