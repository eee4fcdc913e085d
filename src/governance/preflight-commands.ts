import { runShellLine } from '../proc/run-shell.js';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';

/**
 * `.parallel-loop/preflight.json`: the last pass of the `preflight` commands (services the agents need,
 * e.g. `curl -sf localhost:6333/readyz`). Shared by every worker, so a claim seldom pays a process start,
 * and read by status to show why claiming waits.
 */
export interface PreflightRecord {
  at: string;
  ok: boolean;
  /** The first command that failed. */
  command?: string;
  /** How it failed, and the last of what it printed. */
  output?: string;
}

/** Characters of a failing command's output kept in the record and the pause reason. */
const OUTPUT_KEPT = 2000;

export interface PreflightSettings {
  commands: string[];
  cwd: string;
  timeoutMs: number;
  killGraceMs: number;
}

/** Run the commands in order until one fails; nothing of them is left running. */
export async function runPreflight(settings: PreflightSettings, now = Date.now): Promise<PreflightRecord> {
  for (const command of settings.commands) {
    const result = await runShellLine(command, { cwd: settings.cwd, timeoutMs: settings.timeoutMs, killGraceMs: settings.killGraceMs, maxOutput: OUTPUT_KEPT });
    if (!result.ok) {
      const output = [result.why, result.output.trim().slice(-OUTPUT_KEPT)].filter(Boolean).join(': ');
      return { at: new Date(now()).toISOString(), ok: false, command, output };
    }
  }
  return { at: new Date(now()).toISOString(), ok: true };
}

/** Whether a record is recent enough to stand for a new pass. Pure. */
export function preflightFresh(record: PreflightRecord | undefined, now: number, maxAgeMs: number): record is PreflightRecord {
  if (!record || typeof record.at !== 'string') return false;
  const at = Date.parse(record.at);
  return Number.isFinite(at) && now - at >= 0 && now - at < maxAgeMs;
}

/** Why claiming waits on a failed pass, with the command's output. Pure. */
export function preflightReason(record: PreflightRecord): string {
  return `claiming paused: preflight \`${record.command}\` failed${record.output ? ` (${record.output})` : ''}`;
}

export function readPreflight(file: string): PreflightRecord | undefined {
  return readJsonOrUndefined<PreflightRecord>(file);
}

export function writePreflight(file: string, record: PreflightRecord): void {
  writeJsonAtomic(file, record);
}
