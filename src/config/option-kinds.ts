/**
 * The kinds of value a run option can take. Each says, in words, what it expects (for messages), whether a
 * value fits, and how to read it from command-line text, so the config file and the command line are
 * checked by the same rule.
 */
export interface Kind {
  /** What a good value is, for "Expected … to be <expected>". */
  readonly expected: string;
  accepts(value: unknown): boolean;
  /** The value that command-line `text` stands for; anything `accepts` then refuses is reported as the text. */
  fromText(text: string): unknown;
  /** How the flag is read. `number`: left to yargs untyped, so `abc` stays text and is reported as given, not as NaN. */
  readonly argType: 'number' | 'string' | 'boolean' | 'array';
  /** The allowed words, for kinds that are a fixed list (shown in `--help`). */
  choices?(): readonly string[];
  /** For a value with fields: the one that is wrong (a path below the option, e.g. `.on[1]`), so the message can name it. */
  explain?(value: unknown): { field: string; expected: string; got: unknown } | undefined;
}

const asNumber = (text: string): unknown => (text.trim() === '' ? text : Number(text));

function integer(min: 0 | 1): Kind {
  return {
    expected: min === 0 ? 'a non-negative integer' : 'a positive integer',
    accepts: (v) => Number.isInteger(v) && (v as number) >= min,
    fromText: asNumber,
    argType: 'number',
  };
}

/** An integer of at least 1 (agents, attempts, ports). */
export const positiveInteger = integer(1);
/** An integer of at least 0 (a delay or grace that may be none). */
export const nonNegativeInteger = integer(0);
/** An interval that something waits between passes: 0 would spin. */
export const period = positiveInteger;

/** A finite number above 0 (seconds, dollars, megabytes). */
export const positiveNumber: Kind = {
  expected: 'a positive number',
  accepts: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
  fromText: asNumber,
  argType: 'number',
};

export const percent: Kind = {
  expected: 'a percentage above 0 and at most 100',
  accepts: (v) => typeof v === 'number' && v > 0 && v <= 100,
  fromText: asNumber,
  argType: 'number',
};

export const boolean: Kind = {
  expected: 'true or false',
  accepts: (v) => typeof v === 'boolean',
  fromText: (text) => (text === 'true' ? true : text === 'false' ? false : text),
  argType: 'boolean',
};

export const text: Kind = {
  expected: 'a non-empty string',
  accepts: (v) => typeof v === 'string' && v !== '',
  fromText: (t) => t,
  argType: 'string',
};

export const texts: Kind = {
  expected: 'an array of strings',
  accepts: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  fromText: (t) => [t],
  argType: 'array',
};

export const object: Kind = {
  expected: 'an object',
  accepts: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  fromText: (t) => t,
  argType: 'string',
};

/** A value with fields of its own, checked by `problem`, which names the first field that is wrong. Config file only. */
export function fields(expected: string, problem: NonNullable<Kind['explain']>): Kind {
  return { expected, accepts: (v) => problem(v) === undefined, fromText: (t) => t, argType: 'string', explain: problem };
}

/** One of a fixed list of words; `names` is read when checking, so a list built at start-up (the adapters) works. */
export function oneOf(names: () => readonly string[]): Kind {
  return {
    get expected() {
      return `one of ${names().join(', ')}`;
    },
    accepts: (v) => typeof v === 'string' && names().includes(v),
    fromText: (t) => t,
    argType: 'string',
    choices: names,
  };
}

/** `base` narrowed by `problem`, which says what a value should be (undefined when it is good). */
export function checked(expected: string, problem: (v: unknown) => string | undefined, base: Kind): Kind {
  return { ...base, expected, accepts: (v) => base.accepts(v) && problem(v) === undefined };
}
