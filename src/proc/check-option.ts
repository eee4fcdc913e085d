import { PlError } from '../errors.js';

/** Throws PlError `BAD_OPTION` unless `value` is an integer >= `min`; the message names the option and what it got. */
export function checkInteger(option: string, value: unknown, min = 0): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const expected = min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new PlError('BAD_OPTION', `Expected the \`${option}\` option to be ${expected}, got \`${String(value)}\` (${typeof value})`);
  }
}
