import { describe, expect, it } from 'vitest';
import { globsMayOverlap, pathsConflict } from '../../src/schedule/globs.js';

// [a, b, may overlap]; every row is checked in both directions.
const rows: Array<[string, string, boolean]> = [
  ['src/a.ts', 'src/b.ts', false],
  ['src/a.ts', 'src/a.ts', true],
  ['src/**', 'src/a.ts', true],
  ['src/**', 'src/deep/er/a.ts', true],
  ['src/**', 'test/a.ts', false],
  ['src/*.ts', 'src/x/a.ts', false],
  ['src/*.ts', 'src/a.ts', true],
  ['src/*.ts', 'src/*.js', false],
  ['src/*.ts', 'src/a*', true],
  ['*.md', 'docs/a.md', false],
  ['*.md', 'README.md', true],
  ['docs/', 'docs/a.md', true],
  ['docs', 'docs/guide/a.md', true],
  ['docs/', 'docs-old/a.md', false],
  ['{a,b}/x', 'b/*', true],
  ['{a,b}/x', 'c/*', false],
  ['src/{cli,task}/**', 'src/task/types.ts', true],
  ['src/{cli,task}/**', 'src/queue/store.ts', false],
  ['{src/a,lib}/*.ts', 'src/a/x.ts', true],
  ['src/{a,{b,c}}.ts', 'src/c.ts', true],
  ['src/{1..3}.ts', 'src/2.ts', true],
  ['src/{x}.ts', 'src/x.ts', false],
  ['src/?.ts', 'src/a.ts', true],
  ['src/?.ts', 'src/ab.ts', false],
  ['src/??.ts', 'src/*', true],
  ['src/[ab].ts', 'src/b.ts', true],
  ['src/[ab].ts', 'src/c.ts', false],
  ['src/[a-c].ts', 'src/[c-f].ts', true],
  ['src/[a-c].ts', 'src/[d-f].ts', false],
  ['src/[!a].ts', 'src/a.ts', false],
  ['src/[!a].ts', 'src/[ab].ts', true],
  ['src/[^a-z].ts', 'src/[a-z].ts', false],
  ['src/[[:alpha:]].ts', 'src/q.ts', true],
  ['**/*.test.ts', 'test/schedule/globs.test.ts', true],
  ['**/*.test.ts', 'src/a.ts', false],
  ['**/fixtures/**', 'test/fixtures/plan-50/tasks.json', true],
  ['a/**/b', 'a/b', true],
  ['a/**/b', 'a/x/y/b', true],
  ['a/**/b/*.ts', 'a/x/c/*.js', false],
  ['**', 'anything/at/all', true],
  ['*', 'src/a.ts', true], // `*` matches the directory `src`, which names everything below it
  ['*a*b*', '*b*a*', true],
  ['a*', '*b', true],
  ['x*y', 'x*z', false],
  ['./src/a.ts', 'src/a.ts', true],
  ['/src/a.ts', 'src//a.ts', true],
  ['src/\\*.ts', 'src/a.ts', false],
  ['src/\\*.ts', 'src/*.ts', true],
  ['../outside', 'src/a.ts', true], // outside the repository: not modelled, so conservative
  [':(exclude)src/a.ts', 'src/a.ts', true],
  ['src/a.ts', 'src/a.ts/inner', false], // a name with an extension is read as a file
  ['conf.d/', 'conf.d/x.conf', true],
  ['.github', '.github/workflows/ci.yml', true],
  ['src/*', 'src/x/a.ts', true], // `*` may name a directory
  ['src/{a.ts,lib}', 'src/lib/x.ts', true],
  ['src/{a.ts,lib}', 'src/a.ts/x.ts', false],
  ['README.md', 'readme.md', false],
  ['docs/é?.md', 'docs/éa.md', true],
  ['docs/?.md', 'docs/😀.md', true],
];

describe('globsMayOverlap', () => {
  it.each(rows)('%s vs %s -> %s', (a, b, expected) => {
    expect(globsMayOverlap(a, b)).toBe(expected);
    expect(globsMayOverlap(b, a)).toBe(expected);
  });

  it('reads a brace explosion as everything rather than expanding it', () => {
    const many = 'x/' + '{a,b,c}'.repeat(8) + '.ts'; // 6561 alternatives
    expect(globsMayOverlap(many, 'x/zzz.ts')).toBe(true);
    expect(globsMayOverlap(many, 'y/zzz.ts')).toBe(true);
  });
});

describe('pathsConflict', () => {
  it('names the first overlapping pair', () => {
    expect(pathsConflict(['docs/**', 'src/a.ts'], ['test/x.ts', 'src/*.ts'])).toEqual({ conflict: true, pair: ['src/a.ts', 'src/*.ts'] });
  });

  it('finds no conflict between disjoint lists', () => {
    expect(pathsConflict(['docs/**'], ['src/**', 'test/**'])).toEqual({ conflict: false });
  });

  it('treats empty touches as unknown: no conflict either way', () => {
    expect(pathsConflict([], ['**'])).toEqual({ conflict: false });
    expect(pathsConflict(['**'], [])).toEqual({ conflict: false });
  });
});
