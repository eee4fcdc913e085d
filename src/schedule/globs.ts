/**
 * Can two `touches` globs name a common path? Used to keep two tasks that may
 * edit the same files from running at the same time.
 *
 * Syntax, relative to the repository root: `*` and `?` within one segment,
 * `**` as a whole segment for any depth, `[ab]` / `[a-z]` / `[!a]` classes,
 * `{a,b}` braces (may contain `/`), `\` escapes. A pattern that may name a
 * directory also covers everything below it, as a git pathspec does: `docs`,
 * `docs/`, `src/*` and `docs/**` all reach `docs/x/y.md`-style paths. Only a
 * pattern whose last segment has an extension (`a.ts`, `*.md`, `README.md`) and
 * no trailing `/` is read as naming files; write `conf.d/` for a directory with
 * a dot in its name. Matching is case-sensitive, like git.
 *
 * The answer is conservative: whatever cannot be read exactly (`..`, pathspec
 * magic such as `:(exclude)`, too many brace alternatives) is read as "the whole
 * repository", so the worst case is two tasks waiting for each other needlessly.
 */

/** One character position of a segment pattern: any of a set of characters. */
type CharSet = { any: true } | { any: false; negate: boolean; ranges: Array<[number, number]> };
type SegToken = { star: true } | { star: false; set: CharSet };
/** A segment pattern, or `'**'` for any number of segments (including none). */
type Segment = SegToken[] | '**';

// Beyond this many brace alternatives the pattern is read as "everything" rather than expanded.
const MAX_ALTERNATIVES = 256;
const EVERYTHING: Segment[][] = [['**']];

/**
 * True when some path could match both globs. Symmetric; never false for two
 * globs that share a path, and exact for plain paths, `*`, `?`, `**`, classes
 * and braces.
 */
export function globsMayOverlap(a: string, b: string): boolean {
  return compiledOverlap(compile(a), compile(b));
}

/**
 * The first pair of globs (one from each list) that may name a common path.
 * An empty list means "unknown" and conflicts with nothing: a task that names
 * no paths is not held back (callers infer `touches` from the prompt first).
 */
export function pathsConflict(touchesA: readonly string[], touchesB: readonly string[]): { conflict: boolean; pair?: [string, string] } {
  const compiledB = touchesB.map(compile);
  for (const a of touchesA) {
    const ca = compile(a);
    for (let j = 0; j < touchesB.length; j++) {
      if (compiledOverlap(ca, compiledB[j]!)) return { conflict: true, pair: [a, touchesB[j]!] };
    }
  }
  return { conflict: false };
}

function compiledOverlap(as: Segment[][], bs: Segment[][]): boolean {
  return as.some((a) => bs.some((b) => segmentsOverlap(a, b)));
}

/** Each brace alternative as a list of segments. */
function compile(glob: string): Segment[][] {
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

function parseSegment(text: string): SegToken[] {
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

/** Do two segment lists share a path? Memoized recursion over both positions. */
function segmentsOverlap(a: Segment[], b: Segment[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    if (i === a.length && j === b.length) return true;
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const sa = a[i];
    const sb = b[j];
    let result = false;
    if (sa === '**') result = go(i + 1, j) || (sb !== undefined && go(i, j + 1));
    if (!result && sb === '**') result = go(i, j + 1) || (sa !== undefined && go(i + 1, j));
    if (!result && sa !== undefined && sb !== undefined && sa !== '**' && sb !== '**') {
      result = segmentPatternsOverlap(sa, sb) && go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** Is there a segment string both patterns match? Reachability over the product of the two patterns. */
function segmentPatternsOverlap(a: SegToken[], b: SegToken[]): boolean {
  const reach = Array.from({ length: a.length + 1 }, () => new Array<boolean>(b.length + 1).fill(false));
  reach[0]![0] = true;
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      if (!reach[i]![j]) continue;
      const ta = a[i];
      const tb = b[j];
      // A star may match nothing more, or take one character the other side consumes.
      if (ta?.star) {
        reach[i + 1]![j] = true;
        if (tb !== undefined && !tb.star) reach[i]![j + 1] = true;
      }
      if (tb?.star) {
        reach[i]![j + 1] = true;
        if (ta !== undefined && !ta.star) reach[i + 1]![j] = true;
      }
      if (ta !== undefined && tb !== undefined && !ta.star && !tb.star && setsIntersect(ta.set, tb.set)) {
        reach[i + 1]![j + 1] = true;
      }
    }
  }
  return reach[a.length]![b.length]!;
}

function setsIntersect(x: CharSet, y: CharSet): boolean {
  if (x.any || y.any) return true; // every class holds at least one character
  if (x.negate && y.negate) return true; // two exclusions never cover every character in practice
  if (!x.negate && !y.negate) return x.ranges.some(([lo, hi]) => y.ranges.some(([l2, h2]) => lo <= h2 && l2 <= hi));
  const [pos, neg] = x.negate ? [y, x] : [x, y];
  return pos.ranges.some((range) => !coveredBy(range, neg.ranges));
}

function coveredBy([lo, hi]: [number, number], ranges: Array<[number, number]>): boolean {
  let next = lo; // the first character not yet known to be covered
  for (const [l, h] of [...ranges].sort((p, q) => p[0] - q[0])) {
    if (l > next) break;
    if (h >= next) next = h + 1;
  }
  return next > hi;
}
