/** The few styles the status view uses. */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/** Wrap text in a style, or return it as it is when colors are off. */
export type Paint = (style: Style, text: string) => string;

const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

/**
 * Whether to color output, the way Node decides for its own: FORCE_COLOR set wins (`0` or `false`
 * turn colors off), then NO_COLOR set and not empty turns them off, then a TTY that is not `dumb`.
 */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env.NO_COLOR) return false;
  return isTTY && env.TERM !== 'dumb';
}

/** A Paint that colors, or one that leaves text alone. */
export function painter(enabled: boolean): Paint {
  if (!enabled) return (_style, text) => text;
  return (style, text) => (text ? `\x1b[${CODES[style][0]}m${text}\x1b[${CODES[style][1]}m` : text);
}
