import fs from 'node:fs';
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
