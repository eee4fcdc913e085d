/**
 * Parsing `touches` globs into segment patterns for `globs.ts`: brace
 * expansion, `**` segments, and per-segment tokens for `*`, `?` and classes.
 * Whatever cannot be read exactly parses as "everything".
 */

/** One character position of a segment pattern: any of a set of characters. */
export type CharSet = { any: true } | { any: false; negate: boolean; ranges: Array<[number, number]> };
export type SegToken = { star: true } | { star: false; set: CharSet };
/** A segment pattern (`text` kept when it has no wildcard), or `'**'` for any number of segments, including none. */
export type Segment = { tokens: SegToken[]; text?: string } | '**';

// Beyond this many brace alternatives the pattern is read as "everything" rather than expanded.
const MAX_ALTERNATIVES = 256;
const EVERYTHING: Segment[][] = [['**']];

/** Each brace alternative of `glob` as a list of segments. */
export function parseGlob(glob: string): Segment[][] {
  const trimmed = glob.trim();
  if (trimmed.startsWith(':')) return EVERYTHING; // git pathspec magic: not modelled
  const alternatives = expandBraces(trimmed);
  if (alternatives === undefined) return EVERYTHING;
  const out: Segment[][] = [];
  for (const alt of alternatives) {
    const parts = alt.split('/').filter((s) => s !== '' && s !== '.');
    if (parts.includes('..')) return EVERYTHING;
    const segments: Segment[] = parts.map((s) => (s === '**' ? '**' : parseSegment(s)));
    if (!namesFiles(alt, parts)) segments.push('**'); // a directory names everything below it
    out.push(segments);
  }
  return out;
}

/** True when the pattern ends in a segment with an extension, such as `a.ts` or `*.md`, and no `/`. */
function namesFiles(alternative: string, parts: string[]): boolean {
  const last = parts.at(-1);
  return !alternative.endsWith('/') && last !== undefined && last !== '**' && /^.+\.[^.]+$/.test(last);
}

/** Brace alternatives, left to right; `undefined` when there are too many. */
function expandBraces(glob: string): string[] | undefined {
  const group = findBraceGroup(glob);
  if (group === undefined) return [glob];
  const { start, end, parts } = group;
  const prefix = glob.slice(0, start);
  const suffix = glob.slice(end + 1);
  const out: string[] = [];
  for (const part of parts) {
    const expanded = expandBraces(prefix + part + suffix);
    if (expanded === undefined || out.length + expanded.length > MAX_ALTERNATIVES) return undefined;
    out.push(...expanded);
  }
  return out;
}

/** The first `{...}` with a top-level comma (or a `{1..9}` range, read as `*`). */
function findBraceGroup(glob: string): { start: number; end: number; parts: string[] } | undefined {
  for (let start = 0; start < glob.length; start++) {
    if (glob[start] === '\\') start++;
    else if (glob[start] === '{') {
      const group = readBraceGroup(glob, start);
      if (group !== undefined) return group;
    }
  }
  return undefined;
}

function readBraceGroup(glob: string, start: number): { start: number; end: number; parts: string[] } | undefined {
  const parts: string[] = [];
  let depth = 0;
  let from = start + 1;
  for (let i = start + 1; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(glob.slice(from, i));
      from = i + 1;
    } else if (c === '}') {
      const last = glob.slice(from, i);
      if (parts.length > 0) return { start, end: i, parts: [...parts, last] };
      // A sequence such as {1..9} stays within one segment, so `*` is a safe superset.
      if (/^(?:-?\d+\.\.-?\d+|[a-zA-Z]\.\.[a-zA-Z])(?:\.\.-?\d+)?$/.test(last)) return { start, end: i, parts: ['*'] };
      return undefined; // `{x}` is literal text, as in a shell
    }
  }
  return undefined;
}

function parseSegment(text: string): Segment {
  return /[*?[\\]/.test(text) ? { tokens: segmentTokens(text) } : { tokens: segmentTokens(text), text };
}

function segmentTokens(text: string): SegToken[] {
  const chars = Array.from(text); // code points, so `?` never matches half of a character
  const tokens: SegToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      if (!(tokens.at(-1)?.star ?? false)) tokens.push({ star: true });
    } else if (c === '?') tokens.push({ star: false, set: { any: true } });
    else if (c === '[') {
      const cls = parseClass(chars, i);
      if (cls === undefined) tokens.push(literal('['));
      else {
        tokens.push({ star: false, set: cls.set });
        i = cls.end;
      }
    } else if (c === '\\' && i + 1 < chars.length) tokens.push(literal(chars[++i]!));
    else tokens.push(literal(c));
  }
  return tokens;
}

function literal(c: string): SegToken {
  const code = c.codePointAt(0)!;
  return { star: false, set: { any: false, negate: false, ranges: [[code, code]] } };
}

/** A `[...]` class starting at `open`; `undefined` when it is not closed (then `[` is literal). */
function parseClass(chars: string[], open: number): { set: CharSet; end: number } | undefined {
  let i = open + 1;
  const negate = chars[i] === '!' || chars[i] === '^';
  if (negate) i++;
  const ranges: Array<[number, number]> = [];
  let posixClass = false;
  for (let first = true; i < chars.length; first = false, i++) {
    let c = chars[i]!;
    if (c === ']' && !first) {
      // Named classes such as [:alpha:] are not modelled: any character is a safe superset.
      const set: CharSet = posixClass || ranges.length === 0 ? { any: true } : { any: false, negate, ranges };
      return { set, end: i };
    }
    if (c === '[' && chars[i + 1] === ':') {
      const close = chars.indexOf(']', i + 2);
      if (close > 0 && chars[close - 1] === ':') {
        posixClass = true;
        i = close;
        continue;
      }
    }
    if (c === '\\' && i + 1 < chars.length) c = chars[++i]!;
    const lo = c.codePointAt(0)!;
    if (chars[i + 1] === '-' && i + 2 < chars.length && chars[i + 2] !== ']') {
      const hi = chars[i + 2]!.codePointAt(0)!;
      ranges.push(lo <= hi ? [lo, hi] : [hi, lo]);
      i += 2;
    } else ranges.push([lo, lo]);
  }
  return undefined;
}
