import type { Argv, Options } from 'yargs';
import type { RunOptions } from '../../config/options.js';
import { OPTION_NAMES, OPTION_TABLE, flagOf, type OptionName } from '../../config/option-table.js';
import { cliOptions } from '../../config/validate.js';

/** What yargs parsed for the `run` flags, by flag name in camelCase; every flag maps to a RunOptions field. */
export type RunArgs = Record<string, unknown>;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The `run` flags, one per row of OPTION_TABLE that has one; values are read as text and checked by the table. */
export function runOptionsBuilder<T>(y: Argv<T>): Argv<T & RunArgs> {
  for (const name of OPTION_NAMES) {
    const flag = flagOf(name);
    if (flag !== undefined) y.option(flag, yargsOption(name));
  }
  return y as Argv<T & RunArgs>;
}

function yargsOption(name: OptionName): Options {
  const { kind, help, alias, default: value } = OPTION_TABLE[name];
  const read: Options = kind.argType === 'number' ? { requiresArg: true } : { type: kind.argType === 'array' ? 'string' : kind.argType, array: kind.argType === 'array' };
  if (!help) return { ...read, alias, hidden: true };
  const choices = kind.choices ? `: ${kind.choices().join(', ')}` : '';
  const shown = value === undefined || value === false || (Array.isArray(value) && value.length === 0) ? '' : ` [default ${String(value)}]`;
  return { ...read, alias, describe: `${help}${choices}${shown}` };
}

/** The RunOptions the command line sets (only those given), checked; a bad one throws PlError `BAD_OPTION`. */
export function cliRunOptions(argv: RunArgs): Partial<RunOptions> {
  const given: Partial<Record<OptionName, unknown>> = {};
  for (const name of OPTION_NAMES) {
    const flag = flagOf(name);
    if (flag !== undefined) given[name] = argv[camel(flag)];
  }
  return cliOptions(given);
}
