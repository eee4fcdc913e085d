import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { landAttempt, type LandOptions } from '../../src/merge/land.js';
import { undoTask } from '../../src/merge/undo.js';
import { branchWithFiles, g, makeRepo } from '../git/fixture.js';

let repo: string;
let cleanup: () => void;
let base: string;
beforeEach(() => {
  ({ repo, cleanup } = makeRepo('pl-land-changelog-'));
  base = branchWithFiles(repo, 'main', g(repo, 'rev-parse', 'main'), { 'CHANGELOG.md': '# Changelog\n\n## 1.0.0\n\n- First\n' }, 'add a changelog');
});
afterEach(() => cleanup());

const opts = (taskId: string, extra: Partial<LandOptions> = {}): LandOptions => ({
  repo, target: 'main', branch: `pl/${taskId}/1`, base, taskId, attempt: 1, changelog: { file: 'CHANGELOG.md', entry: `Add ${taskId}` }, ...extra,
});
const changelog = (ref = 'main') => g(repo, 'show', `${ref}:CHANGELOG.md`);

describe('landAttempt with a changelog', () => {
  it.each(['merge', 'squash'] as const)('adds each entry in the landing commit itself (style %s)', async (style) => {
    for (const id of ['a', 'b', 'c']) branchWithFiles(repo, `pl/${id}/1`, base, { [`${id}.txt`]: id });
    for (const id of ['a', 'b', 'c']) {
      const result = await landAttempt(opts(id, { style }));
      expect(result).toMatchObject({ status: 'landed', changelog: { entry: `Add ${id}`, dropped: false } });
      // The entry and the work arrive together.
      expect(g(repo, 'diff', '--name-only', 'main^', 'main').split('\n').sort()).toEqual(['CHANGELOG.md', `${id}.txt`]);
    }
    expect(changelog()).toBe('# Changelog\n\n## Unreleased\n\n- Add a\n- Add b\n- Add c\n\n## 1.0.0\n\n- First');
  });

  it("leaves out the branch's own change to the file, even one that conflicts, and says so", async () => {
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a', 'CHANGELOG.md': '# Changelog\n\n## 1.0.0\n\n- First, edited by a\n' });
    branchWithFiles(repo, 'pl/b/1', base, { 'b.txt': 'b', 'CHANGELOG.md': '# Changelog\n\n## 1.0.0\n\n- First, edited by b\n' });
    expect(await landAttempt(opts('a'))).toMatchObject({ status: 'landed', changelog: { dropped: true } });
    expect(await landAttempt(opts('b'))).toMatchObject({ status: 'landed', changelog: { dropped: true } });
    expect(changelog()).toBe('# Changelog\n\n## Unreleased\n\n- Add a\n- Add b\n\n## 1.0.0\n\n- First');
    expect(g(repo, 'show', 'main:b.txt')).toBe('b');
  });

  it('creates the file when the target has none', async () => {
    base = g(repo, 'rev-parse', 'main^');
    g(repo, 'update-ref', 'refs/heads/main', base);
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    expect(await landAttempt(opts('a'))).toMatchObject({ status: 'landed' });
    expect(changelog()).toBe('## Unreleased\n\n- Add a');
    expect(g(repo, 'ls-tree', 'main', 'CHANGELOG.md')).toMatch(/^100644 blob /);
  });

  it('verifies the commit with the entry in it', async () => {
    branchWithFiles(repo, 'pl/a/1', base, { 'a.txt': 'a' });
    let seen = '';
    const verify = async (commit: string) => ((seen = g(repo, 'show', `${commit}:CHANGELOG.md`)), { ok: true, output: '' });
    expect(await landAttempt(opts('a', { verify }))).toMatchObject({ status: 'landed' });
    expect(seen).toContain('- Add a');
  });

  it('an undo takes the entry out with the work', async () => {
    for (const id of ['a', 'b', 'c']) branchWithFiles(repo, `pl/${id}/1`, base, { [`${id}.txt`]: id });
    for (const id of ['a', 'b', 'c']) await landAttempt(opts(id));
    const undone = await undoTask({ repo, target: 'main', taskId: 'b', changelog: 'CHANGELOG.md' });
    expect(undone.status).toBe('reverted');
    expect(changelog()).toBe('# Changelog\n\n## Unreleased\n\n- Add a\n- Add c\n\n## 1.0.0\n\n- First');
    expect(g(repo, 'ls-tree', '--name-only', 'main').split('\n')).not.toContain('b.txt');
  });
});
