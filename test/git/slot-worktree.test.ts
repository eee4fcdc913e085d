// An agent slot's warm worktree, switched from attempt to attempt in a real repository: what the last
// attempt left goes, the ignored dependency folders named by `keep` stay, and the set-up hash follows the
// `setupWhen` files of the base.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keptFolders, releaseLandedBranch, setupHash, switchSlotWorktree } from '../../src/git/slot-worktree.js';
import { addAttemptWorktree } from '../../src/git/worktree.js';
import { layoutFor, slotWorktree, type Layout } from '../../src/queue/layout.js';
import { branchWithFiles, g, makeRepo } from './fixture.js';

let repo: string;
let cleanup: () => void;
let layout: Layout;
let dir: string;
beforeEach(async () => {
  ({ repo, cleanup } = makeRepo());
  layout = layoutFor(repo);
  fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n*.log\nbuild/\n');
  fs.writeFileSync(path.join(repo, 'package-lock.json'), '{"v":1}\n');
  fs.mkdirSync(path.join(repo, 'packages/a'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'packages/a/index.js'), '');
  g(repo, 'add', '-A');
  g(repo, 'commit', '-q', '-m', 'ignore and lock');
  dir = slotWorktree(layout, 'agent-1');
  await addAttemptWorktree({ repo, layout, taskId: 'a', gen: 1, base: 'main', dir });
});
afterEach(() => cleanup());

const write = (rel: string, text = 'x\n') => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};
const exists = (rel: string) => fs.existsSync(path.join(dir, rel));

describe('switchSlotWorktree', () => {
  it('starts the next attempt clean, keeping only the ignored folders keep names', async () => {
    write('node_modules/dep/index.js');
    write('packages/a/node_modules/dep/index.js');
    write('debug.log');
    write('build/out.bin');
    write('planted.txt');
    write('README.md', 'changed by the last attempt\n');
    // A folder the last attempt made: its node_modules is its leftover too, not a dependency folder of the project.
    write('scratch/node_modules/x.js');
    write('scratch/notes.txt');

    const kept = await switchSlotWorktree(dir, 'pl/b/1', g(repo, 'rev-parse', 'main'), ['node_modules', '.venv', 'target']);

    expect(kept.sort()).toEqual(['node_modules/', 'packages/a/node_modules/']);
    expect(g(dir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/pl/b/1');
    expect(exists('node_modules/dep/index.js')).toBe(true);
    expect(exists('packages/a/node_modules/dep/index.js')).toBe(true);
    for (const gone of ['debug.log', 'build', 'planted.txt', 'scratch']) expect(exists(gone), gone).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('# test\n');
    expect(g(dir, 'status', '--porcelain')).toBe('');
  });

  it('does not keep a folder of a kept name that is not ignored', async () => {
    write('target/output.txt');
    await switchSlotWorktree(dir, 'pl/b/1', 'main', ['target']);
    expect(exists('target')).toBe(false);
  });

  it('moves to the new base: files of the last branch that the base lacks go', async () => {
    write('work.txt');
    g(dir, 'add', '-A');
    g(dir, 'commit', '-q', '-m', 'work of a');
    const next = branchWithFiles(repo, 'landed', 'main', { 'other.txt': 'other\n' });
    await switchSlotWorktree(dir, 'pl/b/1', next, []);
    expect(exists('work.txt')).toBe(false);
    expect(exists('other.txt')).toBe(true);
    expect(g(repo, 'rev-parse', 'pl/b/1')).toBe(next);
  });

  it('checks out a stray branch of the same attempt as it is, keeping its commits', async () => {
    const stray = branchWithFiles(repo, 'pl/b/1', 'main', { 'half.txt': 'half\n' });
    await switchSlotWorktree(dir, 'pl/b/1', 'main', []);
    expect(g(dir, 'rev-parse', 'HEAD')).toBe(stray);
    expect(exists('half.txt')).toBe(true);
  });

  it('escapes folder names that look like patterns', async () => {
    write('node_modules/[x]/a.js');
    const kept = await switchSlotWorktree(dir, 'pl/b/1', 'main', ['node_modules']);
    expect(kept).toEqual(['node_modules/']);
    expect(exists('node_modules/[x]/a.js')).toBe(true);
  });
});

describe('keptFolders', () => {
  const status = (...entries: string[]) => entries.join('\0') + '\0';

  it('matches a name at any depth and a path from the top', () => {
    const out = status('!! node_modules/', '!! web/node_modules/', '!! .venv/', '!! tools/target/', '!! target/');
    expect(keptFolders(out, ['node_modules', 'tools/target'])).toEqual(['node_modules/', 'web/node_modules/', 'tools/target/']);
  });

  it('keeps nothing inside an untracked or ignored folder, and no files', () => {
    const out = status('?? scratch/', '!! scratch/node_modules/', '!! build/', '!! build/node_modules/', '!! node_modules', 'R  new.txt', 'old.txt');
    expect(keptFolders(out, ['node_modules'])).toEqual([]);
  });
});

describe('setupHash', () => {
  it('changes with the setup command and with a setupWhen file of the checked-out commit, not with other files', async () => {
    const first = await setupHash(dir, 'npm ci', ['package-lock.json', 'requirements.txt']);
    expect(await setupHash(dir, 'npm ci', ['package-lock.json', 'requirements.txt'])).toBe(first);
    expect(await setupHash(dir, 'npm install', ['package-lock.json', 'requirements.txt'])).not.toBe(first);

    const other = branchWithFiles(repo, 'other', 'main', { 'README.md': 'new\n' });
    await switchSlotWorktree(dir, 'pl/b/1', other, []);
    expect(await setupHash(dir, 'npm ci', ['package-lock.json', 'requirements.txt'])).toBe(first);

    const bumped = branchWithFiles(repo, 'bumped', 'main', { 'package-lock.json': '{"v":2}\n' });
    await switchSlotWorktree(dir, 'pl/c/1', bumped, []);
    expect(await setupHash(dir, 'npm ci', ['package-lock.json', 'requirements.txt'])).not.toBe(first);
    // A setupWhen file that appears counts too.
    const added = branchWithFiles(repo, 'added', 'main', { 'requirements.txt': 'requests\n' });
    await switchSlotWorktree(dir, 'pl/d/1', added, []);
    expect(await setupHash(dir, 'npm ci', ['package-lock.json', 'requirements.txt'])).not.toBe(first);
  });
});

describe('releaseLandedBranch', () => {
  it('leaves the worktree detached where it was, its files untouched, and deletes only the landed branch', async () => {
    write('work.txt');
    write('node_modules/dep.js');
    g(dir, 'add', '-A');
    g(dir, 'commit', '-q', '-m', 'work of a');
    const tip = g(dir, 'rev-parse', 'HEAD');
    // The landing: main moves to a merge of the branch.
    const landed = g(repo, 'commit-tree', `${tip}^{tree}`, '-p', 'main', '-p', tip, '-m', 'Land task a');
    g(repo, 'update-ref', 'refs/heads/main', landed);

    const result = await releaseLandedBranch({ repo, layout, agentId: 'agent-1', dir, taskId: 'a', gen: 1, target: 'main', landed: { landedAt: landed, branchTip: tip } });

    expect(result).toEqual({ worktreeRemoved: false, branchDeleted: true });
    expect(g(repo, 'branch', '--list', 'pl/a/1')).toBe('');
    expect(g(dir, 'rev-parse', 'HEAD')).toBe(tip);
    expect(exists('work.txt') && exists('node_modules/dep.js')).toBe(true);
    expect(g(dir, 'status', '--porcelain')).toBe('');
  });

  it('keeps a branch the target does not contain', async () => {
    write('work.txt');
    g(dir, 'add', '-A');
    g(dir, 'commit', '-q', '-m', 'work of a');
    const result = await releaseLandedBranch({ repo, layout, agentId: 'agent-1', dir, taskId: 'a', gen: 1, target: 'main' });
    expect(result.branchDeleted).toBe(false);
    expect(result.branchKept).toContain('does not contain');
    expect(g(repo, 'branch', '--list', 'pl/a/1')).toContain('pl/a/1');
  });
});
