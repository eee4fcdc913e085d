import type { Problem } from '../task/types.js';
import { DEFAULTS, type RunOptions } from './options.js';

type Kind = 'count' | 'ms' | 'number' | 'percent' | 'boolean' | 'string' | 'strings' | 'object';

/** The type of every setting, used to check the config file and `config set`. */
export const OPTION_KINDS: Record<keyof RunOptions, Kind> = {
  agents: 'count',
  once: 'boolean',
  single: 'boolean',
  inPlace: 'boolean',
  agent: 'string',
  agentSettings: 'object',
  timeoutSec: 'number',
  maxAttempts: 'count',
  killGraceMs: 'ms',
  retryBackoffMs: 'ms',
  heartbeatMs: 'ms',
  staleAfterMs: 'ms',
  rescanMs: 'ms',
  monitorMs: 'ms',
  restartBackoffMs: 'ms',
  restartBackoffMaxMs: 'ms',
  maxRestarts: 'count',
  restartWindowMs: 'ms',
  setup: 'string',
  copy: 'strings',
  portBase: 'count',
  portBlock: 'count',
  target: 'string',
  land: 'string',
  landStyle: 'string',
  dirtyTarget: 'string',
  cleanup: 'boolean',
  verify: 'string',
  budgetUsd: 'number',
  memoryLimitMb: 'number',
  resourceSampleMs: 'ms',
  pauseCpuPercent: 'percent',
  pauseMemoryPercent: 'percent',
  stepDownMemoryPercent: 'percent',
  cpuWindowMs: 'ms',
  rateLimitPauseMs: 'ms',
  breakerFailures: 'count',
  starveAfterMs: 'ms',
};

const ENUMS: Partial<Record<keyof RunOptions, readonly string[]>> = {
  land: ['merge', 'branch', 'none'],
  landStyle: ['merge', 'squash'],
  dirtyTarget: ['hold', 'land-ref'],
};

function describe(value: unknown): string {
  return `\`${JSON.stringify(value)}\` (${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value})`;
}

/** Check one setting's value; returns the problem message or undefined. */
export function checkOption(key: keyof RunOptions, value: unknown): string | undefined {
  const kind = OPTION_KINDS[key];
  const got = describe(value);
  switch (kind) {
    case 'count':
      return Number.isInteger(value) && (value as number) > 0 ? undefined : `Expected \`${key}\` to be a positive integer, got ${got}.`;
    case 'ms':
      return Number.isInteger(value) && (value as number) >= 0 ? undefined : `Expected \`${key}\` to be a non-negative integer of milliseconds, got ${got}.`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : `Expected \`${key}\` to be a positive number, got ${got}.`;
    case 'percent':
      return typeof value === 'number' && value > 0 && value <= 100 ? undefined : `Expected \`${key}\` to be a percentage above 0 and at most 100, got ${got}.`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `Expected \`${key}\` to be true or false, got ${got}.`;
    case 'string': {
      if (typeof value !== 'string' || value === '') return `Expected \`${key}\` to be a non-empty string, got ${got}.`;
      const allowed = ENUMS[key];
      return allowed && !allowed.includes(value) ? `Expected \`${key}\` to be one of ${allowed.join(', ')}, got ${got}.` : undefined;
    }
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : `Expected \`${key}\` to be an array of strings, got ${got}.`;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : `Expected \`${key}\` to be an object, got ${got}.`;
  }
}

/** Validate a parsed config file: every problem at once, as `path: message`. */
export function validateConfig(raw: unknown): { options: Partial<RunOptions>; problems: Problem[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { options: {}, problems: [{ path: '(top level)', message: `Expected an object of settings, got ${describe(raw)}.` }] };
  }
  const problems: Problem[] = [];
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in OPTION_KINDS)) {
      problems.push({ path: key, message: `Unknown setting. Known settings: ${Object.keys(OPTION_KINDS).join(', ')}.` });
      continue;
    }
    const message = checkOption(key as keyof RunOptions, value);
    if (message) problems.push({ path: key, message });
    else options[key] = value;
  }
  return { options: options as Partial<RunOptions>, problems };
}

/** DEFAULTS, then the config file, then the command line. Heartbeat follows staleAfter unless set. */
export function resolveOptions(file: Partial<RunOptions>, cli: Partial<RunOptions>): RunOptions {
  const merged = { ...DEFAULTS, ...file, ...cli };
  if (file.heartbeatMs === undefined && cli.heartbeatMs === undefined) merged.heartbeatMs = Math.max(50, Math.floor(merged.staleAfterMs / 6));
  if (merged.inPlace) merged.single = true;
  return merged;
}
