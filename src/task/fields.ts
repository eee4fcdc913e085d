import { checkTaskId } from './id.js';

/** Records a problem with a value; `path` defaults to the field being checked (e.g. `touches[2]`, `env.PORT`). */
export type Report = (message: string, path?: string) => void;

/** Checks one field's raw value; returns the value the Task holds, or undefined after reporting. */
export type FieldCheck<T> = (value: unknown, field: string, report: Report) => T | undefined;

/** `value` as a message shows it: `"high"` (string), `null` (an empty value). */
export function show(value: unknown): string {
  if (value === null) return '`null` (an empty value)';
  if (typeof value === 'number') return `\`${String(value)}\` (number)`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // YAML aliases can build a value that contains itself.
    text = Array.isArray(value) ? '[...]' : '{...}';
  }
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `\`${text}\` (${Array.isArray(value) ? 'array' : typeof value})`;
}

/** "Expected `field` to be <what>, got <value>. <hint>" */
export function expected(field: string, what: string, value: unknown, hint = ''): string {
  return `Expected \`${field}\` to be ${what}, got ${show(value)}.${hint === '' ? '' : ` ${hint}`}`;
}

export const nonEmptyString: FieldCheck<string> = (value, field, report) => {
  if (typeof value !== 'string' || value.trim() === '') {
    report(expected(field, 'a non-empty string', value, typeof value === 'number' ? `Quote it: \`"${value}"\`.` : ''));
    return undefined;
  }
  // The value ends up in an argv or environment entry, where the OS cannot carry a NUL.
  if (value.includes('\0')) return void report(`\`${field}\` contains a NUL character (\\u0000); remove it.`);
  return value;
};

export const integer: FieldCheck<number> = (value, field, report) => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  report(expected(field, 'an integer', value, 'Write a whole number without quotes, e.g. `2` or `-1`.'));
  return undefined;
};

export const positiveInteger: FieldCheck<number> = (value, field, report) => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  report(expected(field, 'a positive integer', value, 'Write a whole number of at least 1 without quotes, e.g. `3`.'));
  return undefined;
};

export const nonNegativeNumber: FieldCheck<number> = (value, field, report) => {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  report(expected(field, 'a non-negative number', value, 'Write a plain number without quotes or currency sign, e.g. `2.50`.'));
  return undefined;
};

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
};

/**
 * Seconds in a duration such as `90s`, `15m`, `1h`, `1h30m` or `1.5 hours`; a bare number counts in
 * `defaultUnitSeconds`. undefined when the text is not a duration.
 */
export function parseDuration(text: string, defaultUnitSeconds: number): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * defaultUnitSeconds;
  if (!/^(\d+(\.\d+)?\s*[a-z]+\s*)+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g)) {
    const scale = UNIT_SECONDS[unit!];
    if (scale === undefined) return undefined;
    seconds += Number(amount) * scale;
  }
  return seconds;
}

/** A positive duration: a number in `unit`, or a string with units; returned in `unit`. */
export function duration(unit: 'seconds' | 'minutes'): FieldCheck<number> {
  const scale = unit === 'seconds' ? 1 : 60;
  return (value, field, report) => {
    const seconds = typeof value === 'number' ? value * scale : typeof value === 'string' ? parseDuration(value, scale) : undefined;
    if (seconds !== undefined && Number.isFinite(seconds) && seconds > 0) return seconds / scale;
    report(expected(field, `a positive duration (a number of ${unit}, or a string such as "90s", "15m", "1h")`, value));
    return undefined;
  };
}

/** One string or a list of strings; each list item is checked by `item`. */
function listOf(what: string, item: (text: string, field: string) => string | undefined): FieldCheck<string[]> {
  return (value, field, report) => {
    const items = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(items)) return void report(expected(field, `${what} or a list of them`, value));
    const out: string[] = [];
    let ok = true;
    items.forEach((entry: unknown, index) => {
      const path = typeof value === 'string' ? field : `${field}[${index}]`;
      const wrong = typeof entry !== 'string' || entry.trim() === '' ? expected(path, what, entry) : item(entry, field);
      if (wrong !== undefined) {
        ok = false;
        report(wrong, path);
      } else if (!out.includes(entry as string)) {
        out.push(entry as string);
      }
    });
    return ok ? out : undefined;
  };
}

export const globList = listOf('a non-empty glob string', () => undefined);

export const idList = listOf('a task id string', (id, field) => {
  const wrong = checkTaskId(id);
  return wrong === undefined ? undefined : `In \`${field}\`, ${wrong[0]!.toLowerCase()}${wrong.slice(1)}`;
});

/** An object of environment variables; every value must already be a string. */
export const envMap: FieldCheck<Record<string, string>> = (value, field, report) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return void report(expected(field, 'a mapping of variable names to strings', value, 'e.g. `env: { LOG_LEVEL: debug }`.'));
  }
  const env: Record<string, string> = {};
  let ok = true;
  for (const [name, entry] of Object.entries(value)) {
    const path = `${field}.${name}`;
    if (name === '' || name.includes('=') || name.includes('\0')) {
      ok = false;
      report(`The environment variable name ${JSON.stringify(name)} in \`${field}\` is not usable: a name must be non-empty and hold no \`=\` or NUL.`, path);
    } else if (typeof entry !== 'string' || entry.includes('\0')) {
      ok = false;
      const hint = typeof entry === 'number' || typeof entry === 'boolean' ? `Quote it: \`${name}: "${entry}"\`.` : 'Environment values are text.';
      report(expected(path, 'a string without NUL characters', entry, hint), path);
    } else {
      env[name] = entry;
    }
  }
  return ok ? env : undefined;
};
