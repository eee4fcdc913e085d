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

import { parseGlob, type CharSet, type Segment, type SegToken } from './glob-parse.js';

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

// Planning compares every pair of tasks, so each glob is parsed once; the parse is never mutated.
const compiled = new Map<string, Segment[][]>();
const MAX_CACHED = 10_000;

function compile(glob: string): Segment[][] {
  let result = compiled.get(glob);
  if (result === undefined) {
    if (compiled.size >= MAX_CACHED) compiled.clear();
    result = parseGlob(glob);
    compiled.set(glob, result);
  }
  return result;
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
      // Most segments are plain names: compare them as strings before running the product.
      const same = sa.text !== undefined && sb.text !== undefined ? sa.text === sb.text : segmentPatternsOverlap(sa.tokens, sb.tokens);
      result = same && go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** Is there a segment string both patterns match? Reachability over the product of the two patterns. */
function segmentPatternsOverlap(a: SegToken[], b: SegToken[]): boolean {
  const width = b.length + 1;
  const reach = new Uint8Array((a.length + 1) * width); // reach[i * width + j]: both prefixes can be matched together
  reach[0] = 1;
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      if (reach[i * width + j] === 0) continue;
      const ta = a[i];
      const tb = b[j];
      // A star may match nothing more, or take one character the other side consumes.
      if (ta?.star) {
        reach[(i + 1) * width + j] = 1;
        if (tb !== undefined && !tb.star) reach[i * width + j + 1] = 1;
      }
      if (tb?.star) {
        reach[i * width + j + 1] = 1;
        if (ta !== undefined && !ta.star) reach[(i + 1) * width + j] = 1;
      }
      if (ta !== undefined && tb !== undefined && !ta.star && !tb.star && setsIntersect(ta.set, tb.set)) {
        reach[(i + 1) * width + j + 1] = 1;
      }
    }
  }
  return reach[reach.length - 1] === 1;
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
