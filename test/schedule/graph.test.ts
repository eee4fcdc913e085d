import { describe, expect, it } from 'vitest';
import { checkDependencies, didYouMean } from '../../src/schedule/graph.js';

const t = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });

describe('checkDependencies', () => {
  it('finds nothing wrong in a DAG, including deps on known outside ids', () => {
    expect(checkDependencies([t('a'), t('b', 'a'), t('c', 'a', 'b', 'old')], new Set(['old']))).toEqual([]);
  });

  it('reports a two-task cycle naming both tasks', () => {
    const problems = checkDependencies([t('a', 'b'), t('b', 'a')]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'cycle', ids: ['a', 'b', 'a'], path: 'a' });
    expect(problems[0]!.message).toContain('a -> b -> a');
  });

  it('names every task on a longer cycle in dependency order', () => {
    const problems = checkDependencies([t('c', 'a'), t('a', 'b'), t('b', 'c'), t('d', 'a')]);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('a -> b -> c -> a')]);
  });

  it('reports enough cycles to name every member of a tangled component', () => {
    // a <-> b and a <-> c: no single cycle holds all three.
    const problems = checkDependencies([t('a', 'b', 'c'), t('b', 'a'), t('c', 'a')]);
    expect(problems.map((p) => p.ids)).toEqual([
      ['a', 'b', 'a'],
      ['c', 'a', 'c'],
    ]);
  });

  it('reports separate cycles separately', () => {
    const problems = checkDependencies([t('x', 'y'), t('y', 'x'), t('p', 'q'), t('q', 'r'), t('r', 'p')]);
    expect(problems.map((p) => p.ids.join(' -> '))).toEqual(['p -> q -> r -> p', 'x -> y -> x']);
  });

  it('reports a self-dependency once, not as a cycle', () => {
    const problems = checkDependencies([t('a', 'a')]);
    expect(problems).toEqual([expect.objectContaining({ kind: 'self-dependency', ids: ['a'], path: 'a' })]);
  });

  it('reports an unknown dependency with the task, the missing id and a suggestion', () => {
    const problems = checkDependencies([t('fix-login'), t('docs', 'fix-logn', 'nothing-like-it')], new Set(['release-1']));
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'unknown-dependency', ids: ['docs', 'fix-logn'], path: 'docs', message: expect.stringContaining('did you mean "fix-login"?') }),
      expect.objectContaining({ kind: 'unknown-dependency', ids: ['docs', 'nothing-like-it'], message: expect.not.stringContaining('did you mean') }),
    ]);
  });

  it('names the list form when an unknown id is known ids joined by commas (`--depends-on a,b`)', () => {
    const [problem] = checkDependencies([t('a'), t('c', 'a,b')], new Set(['b']));
    expect(problem).toMatchObject({ kind: 'unknown-dependency', ids: ['c', 'a,b'] });
    expect(problem!.message).toContain('ids are listed apart: `dependsOn: [a, b]`, or `--depends-on a b`');
  });

  it('handles a chain far longer than the call stack allows for recursion', () => {
    const chain = Array.from({ length: 50_000 }, (_, i) => t(`n${i}`, ...(i > 0 ? [`n${i - 1}`] : [])));
    chain[0] = t('n0', 'n49999');
    const problems = checkDependencies(chain);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.ids).toHaveLength(50_001);
  });
});

describe('didYouMean', () => {
  it('suggests the closest id, or nothing when none is close', () => {
    expect(didYouMean('buld', ['build', 'bold-x', 'test'])).toBe('build');
    expect(didYouMean('Build', ['build'])).toBe('build');
    expect(didYouMean('zzz', ['build'])).toBeUndefined();
  });
});
