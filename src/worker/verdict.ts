import fs from 'node:fs';
import type { AgentEvent } from '../agents/types.js';
import type { StageVerdict } from '../lifecycle/decide.js';
import { VERDICTS, type Verdict } from '../lifecycle/stages.js';

/**
 * The verdict a review or test agent wrote to `PL_VERDICT_FILE`: `{"verdict": "approve" | "changes" |
 * "reject", "notes": "..."}`. undefined when it wrote none; an error message when what it wrote is not one.
 */
export function readVerdictFile(file: string): StageVerdict | { invalid: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (text.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { invalid: `the verdict file ${file} is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  return verdictOf(raw) ?? { invalid: `Expected the verdict file ${file} to hold {"verdict": "approve" | "changes" | "reject", "notes": "..."}, got ${text.trim().slice(0, 200)}` };
}

/** A verdict object, or undefined when `raw` is not one. Pure. */
export function verdictOf(raw: unknown): StageVerdict | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { verdict, notes } = raw as { verdict?: unknown; notes?: unknown };
  if (!(VERDICTS as readonly unknown[]).includes(verdict)) return undefined;
  if (notes !== undefined && typeof notes !== 'string') return undefined;
  return { verdict: verdict as Verdict, notes: notes ?? '' };
}

const VERDICT_LINE = /^\s*VERDICT:\s*(approve|changes|reject)\b[\s.:—-]*(.*)$/i;

/**
 * The verdict of a final text whose last non-empty line is `VERDICT: approve | changes | reject`
 * (how an agent without file access to PL_VERDICT_FILE, or one that forgot it, gives one); the notes
 * are the text before that line and anything after the verdict on it. Pure.
 */
export function verdictFromText(text: string): StageVerdict | undefined {
  const lines = text.trimEnd().split('\n');
  const match = VERDICT_LINE.exec(lines[lines.length - 1] ?? '');
  if (!match) return undefined;
  const notes = [lines.slice(0, -1).join('\n').trim(), match[2]!.trim()].filter(Boolean).join('\n');
  return { verdict: match[1]!.toLowerCase() as Verdict, notes };
}

/**
 * The verdict line of the agent's last reported whole text, if any: a `result`'s final text, or the last
 * whole message of an adapter whose result has none (see AgentEvent.text). Pure.
 */
export function verdictFromEvents(events: readonly AgentEvent[]): StageVerdict | undefined {
  const last = [...events].reverse().find((e) => (e.kind === 'result' || e.kind === 'text') && typeof e.text === 'string');
  return last?.text === undefined ? undefined : verdictFromText(last.text);
}
