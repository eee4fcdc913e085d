// Readers for the loosely typed JSON agents print: a field of the wrong type reads as
// undefined, so an unexpected shape gives fewer events instead of a crash.

/** A JSON object (not an array, not null). */
export type Json = Record<string, unknown>;

/** Whether the value is a JSON object. */
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value if it is a string, else undefined. */
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The value if it is a finite number, else undefined. */
export const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The value as a list of JSON objects, skipping anything else. */
export const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** Parse a line that should hold one JSON value; undefined for anything else. */
export function parseJsonLine(line: string): unknown {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** The first non-empty line of a text, trimmed and cut to `max` characters for one-line summaries. */
export function firstLine(text: string, max = 160): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
