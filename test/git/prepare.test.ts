import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureStateIgnored, excludePattern } from '../../src/git/exclude.js';
import { parseIncludeFile, prepareWorktree } from '../../src/git/prepare.js';
import { addAttemptWorktree } from '../../src/git/worktree.js';
import { layoutFor, type Layout } from '../../src/queue/layout.js';
import { expectAllGone, readPids } from '../proc/processes.js';
import { g, makeRepo } from './fixture.js';

let repo: string;
let cleanup: () => void;
let layout: Layout;
beforeEach(() => {
  ({ repo, cleanup } = makeRepo());
  layout = layoutFor(repo);
});
afterEach(() => cleanup());

describe('ensureStateIgnored', () => {
  it('adds the state folder to .git/info/exclude once and leaves .gitignore alone', async () => {
    fs.mkdirSync(path.join(layout.state, 'claims'), { recursive: true });
    fs.writeFileSync(path.join(layout.state, 'claims', 'x'), 'x');
    expect(g(repo, 'status', '--porcelain')).toContain('.parallel-loop/');
    expect(await ensureStateIgnored(repo, layout.state)).toBe(true);
    expect(await ensureStateIgnored(repo, layout.state)).toBe(false);
    const exclude = fs.readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8');
    expect(exclude.split('\n').filter((l) => l === '/.parallel-loop/')).toHaveLength(1);
    expect(fs.existsSync(path.join(repo, '.gitignore'))).toBe(false);
    expect(g(repo, 'status', '--porcelain')).toBe('');
  });

  it('writes nothing when the folder is already ignored or outside the repository', async () => {
    fs.writeFileSync(path.join(repo, '.gitignore'), '.parallel-loop/\n');
    expect(await ensureStateIgnored(repo, layout.state)).toBe(false);
    expect(await ensureStateIgnored(repo, path.join(path.dirname(repo), 'elsewhere'))).toBe(false);
  });

  it('asked from a subfolder or a linked worktree, writes the main repository\'s exclude', async () => {
    fs.mkdirSync(path.join(repo, 'sub'));
    expect(await ensureStateIgnored(path.join(repo, 'sub'), layout.state)).toBe(true);
    const linked = path.join(path.dirname(repo), `${path.basename(repo)}-linked`);
    g(repo, 'worktree', 'add', '-q', '-b', 'side', linked);
    try {
      expect(await ensureStateIgnored(linked, path.join(linked, '.parallel-loop'))).toBe(false);
      expect(fs.readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8').split('\n').filter((l) => l === '/.parallel-loop/')).toHaveLength(1);
    } finally {
      fs.rmSync(linked, { recursive: true, force: true });
    }
  });

  it('escapes glob characters in the pattern', () => {
    expect(excludePattern('state[1]/x*')).toBe('/state\\[1]/x\\*/');
  });
});

describe('prepareWorktree', () => {
  async function worktree(): Promise<string> {
    await ensureStateIgnored(repo, layout.state);
    return (await addAttemptWorktree({ repo, layout, taskId: 't', gen: 1, base: 'main' })).path;
  }

  it('reads one pattern a line from .worktreeinclude, without comments', () => {
    expect(parseIncludeFile('# secrets\n.env\n\n  config/*.local.json  \r\n#x\n')).toEqual(['.env', 'config/*.local.json']);
  });

  it('copies untracked files named by `copy` and .worktreeinclude, never tracked ones', async () => {
    fs.writeFileSync(path.join(repo, '.gitignore'), '.env\n*.local.json\n');
    g(repo, 'add', '.gitignore');
    g(repo, 'commit', '-q', '-m', 'ignore local files');
    fs.writeFileSync(path.join(repo, '.env'), 'TOKEN=1\n');
    fs.mkdirSync(path.join(repo, 'config'));
    fs.writeFileSync(path.join(repo, 'config', 'db.local.json'), '{}');
    fs.writeFileSync(path.join(repo, 'config', 'other.txt'), 'no');
    fs.writeFileSync(path.join(repo, '.worktreeinclude'), '# local config\nconfig/*.local.json\n');
    const wt = await worktree();
    const prepared = await prepareWorktree({ worktree: wt, repo, copy: ['.env', 'README.md'], skip: [layout.state] });
    expect(prepared.copied.sort()).toEqual(['.env', 'config/db.local.json']);
    expect(fs.readFileSync(path.join(wt, '.env'), 'utf8')).toBe('TOKEN=1\n');
    expect(fs.existsSync(path.join(wt, 'config', 'other.txt'))).toBe(false);
    expect(g(wt, 'status', '--porcelain')).toBe('');
  });

  it('never copies from the state folder, even when a pattern matches there', async () => {
    fs.mkdirSync(path.join(layout.agents, 'a1', 'logs'), { recursive: true });
    fs.writeFileSync(path.join(layout.agents, 'a1', 'logs', 'x.log'), 'agent log');
    fs.writeFileSync(path.join(repo, 'build.log'), 'project log');
    const wt = await worktree();
    const prepared = await prepareWorktree({ worktree: wt, repo, copy: ['*.log'] });
    expect(prepared.copied).toEqual(['build.log']);
  });

  it('keeps a copy already in a reused worktree', async () => {
    fs.writeFileSync(path.join(repo, '.env'), 'NEW\n');
    const wt = await worktree();
    fs.writeFileSync(path.join(wt, '.env'), 'EDITED\n');
    const prepared = await prepareWorktree({ worktree: wt, repo, copy: ['.env'] });
    expect(prepared).toMatchObject({ copied: [], existing: ['.env'] });
    expect(fs.readFileSync(path.join(wt, '.env'), 'utf8')).toBe('EDITED\n');
  });

  it('runs the setup command in the worktree with the given environment', async () => {
    const wt = await worktree();
    const prepared = await prepareWorktree({ worktree: wt, repo, setup: 'echo "in $(pwd) as $PL_SLOT" && echo err >&2 && touch made-by-setup', env: { PL_SLOT: '3' } });
    expect(prepared.setupOutput).toContain(`in ${wt} as 3`);
    expect(prepared.setupOutput).toContain('err');
    expect(fs.existsSync(path.join(wt, 'made-by-setup'))).toBe(true);
  });

  it('reports a failing setup as SETUP_FAILED with the tail of its output', async () => {
    const wt = await worktree();
    const err = await prepareWorktree({ worktree: wt, repo, setup: 'for i in $(seq 1 100); do echo line $i; done; exit 3' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SETUP_FAILED' });
    expect((err as Error).message).toContain('exited with code 3');
    expect((err as Error).message).toContain('line 100');
    expect((err as Error).message).not.toContain('line 5\n');
  });

  it('kills a setup command that runs past its timeout, children included', async () => {
    const wt = await worktree();
    const pidFile = path.join(wt, '..', 'setup-pids');
    const setup = `echo $$ > '${pidFile}'; sleep 30 & echo $! >> '${pidFile}'; sleep 30 & echo $! >> '${pidFile}'; wait`;
    const err = await prepareWorktree({ worktree: wt, repo, setup, setupTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SETUP_FAILED' });
    expect((err as Error).message).toContain('timed out after 300 ms');
    const pids = fs.readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(3);
    await expectAllGone(pids);
  });

  it('at its timeout also kills what the setup command moved out of its process group', async () => {
    const wt = await worktree();
    const pidFile = path.join(path.dirname(repo), 'pids');
    const setup = `setsid sleep 300 & echo $! > ${pidFile}; wait`;
    const err = await prepareWorktree({ worktree: wt, repo, setup, setupTimeoutMs: 500, killGraceMs: 500 }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('timed out after 500 ms');
    await expectAllGone(readPids(pidFile));
  });
});
