import fs from 'node:fs';
import path from 'node:path';
import type { AgentEvent } from '../agents/types.js';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';

/**
 * `.parallel-loop/pause.json`: no worker of any process claims until `until`. Written when an
 * agent reports a rate or usage limit, since every agent shares that account and would hit it too.
 * An expired file is simply ignored (deleting it could race with a newer pause being written).
 */
export interface PauseRecord {
  /** ISO time claiming may resume. */
  until: string;
  reason: string;
  /** Worker slot whose agent hit the limit. */
  agent: string;
  task?: string;
  at: string;
}

/** The pause file of a state folder. */
export function pauseFile(stateDir: string): string {
  return path.join(stateDir, 'pause.json');
}

/** Whether an agent event is a rate limit that should stop claiming: not one the agent is retrying by itself. */
export function isBlockingRateLimit(event: AgentEvent): boolean {
  return event.kind === 'rate-limit' && (event.isError !== false || event.resetAt !== undefined);
}

/** When claiming may resume after `event`: its reset time if it gave one still ahead, else `now + fallbackMs`. Pure. */
export function pauseUntil(event: AgentEvent, now: number, fallbackMs: number): number {
  const reset = event.resetAt === undefined ? NaN : Date.parse(event.resetAt);
  return Number.isFinite(reset) && reset > now ? reset : now + fallbackMs;
}

/** The pause in force at `now`, if any. Pure. */
export function activePause(record: PauseRecord | undefined, now: number): PauseRecord | undefined {
  if (!record || typeof record.until !== 'string') return undefined;
  const until = Date.parse(record.until);
  return Number.isFinite(until) && until > now ? record : undefined;
}

export function readPause(stateDir: string): PauseRecord | undefined {
  return readJsonOrUndefined<PauseRecord>(pauseFile(stateDir));
}

/**
 * Pause all claiming until `record.until`, unless a pause already on file lasts longer. Two agents
 * hitting a limit at once may both write; the file is replaced atomically, so readers always see one
 * whole record, and both carry a time in the future, so claiming stays paused either way.
 */
export function writePause(stateDir: string, record: PauseRecord): PauseRecord {
  const current = activePause(readPause(stateDir), Date.now());
  if (current && Date.parse(current.until) >= Date.parse(record.until)) return current;
  fs.mkdirSync(stateDir, { recursive: true });
  writeJsonAtomic(pauseFile(stateDir), record);
  return record;
}
