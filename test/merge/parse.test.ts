import { describe, expect, it } from 'vitest';
import { parseMergeTree } from '../../src/merge/merge-tree.js';
import { assertTrailerSafe, hasTrailer, landingMessage, parseLog, revertMessage, squashMessage } from '../../src/merge/trailers.js';
import { findUndoable } from '../../src/merge/undo.js';

const TREE = 'cfaae29cfdac1736e6a73f5b626d9270ce4ed49b';

describe('parseMergeTree', () => {
  it('reads a clean merge: the tree alone', () => {
    expect(parseMergeTree(`${TREE}\0`, true)).toEqual({ clean: true, tree: TREE, files: [], messages: [] });
    expect(parseMergeTree(`${TREE}\0\0`, true).files).toEqual([]);
  });

  it('reads conflicted paths (spaces and newlines in names too) and the CONFLICT notices', () => {
    const out =
      `${TREE}\0a.txt\0dir/with space.txt\0odd\nname\0\0` +
      '1\0a.txt\0Auto-merging\0Auto-merging a.txt\n\0' +
      '1\0a.txt\0CONFLICT (contents)\0CONFLICT (content): Merge conflict in a.txt\n\0' +
      '2\0old.txt\0new.txt\0CONFLICT (rename/delete)\0CONFLICT (rename/delete): old.txt renamed to new.txt in B, but deleted in A.\n\0';
    const parsed = parseMergeTree(out, false);
    expect(parsed.files).toEqual(['a.txt', 'dir/with space.txt', 'odd\nname']);
    expect(parsed.messages).toEqual([
      'Auto-merging a.txt',
      'CONFLICT (content): Merge conflict in a.txt',
      'CONFLICT (rename/delete): old.txt renamed to new.txt in B, but deleted in A.',
    ]);
  });
});

describe('trailers', () => {
  it('ends a landing message with the task and attempt trailers', () => {
    const msg = landingMessage({ taskId: 'réparer le bug', title: 'Fix the\nlogin  page', attempt: 2, branch: 'pl/x/2' });
    expect(msg.split('\n')[0]).toBe('Land task réparer le bug: Fix the login page');
    expect(msg.trimEnd().split('\n').slice(-2)).toEqual(['Parallel-Loop-Task: réparer le bug', 'Parallel-Loop-Attempt: réparer le bug/2']);
  });

  it('makes a squash message of the title, the first paragraph of the prompt and the trailers', () => {
    const prompt = '# Fix the login page\n\nThe login form\nloses its state.\n\nMore detail below.\n';
    const msg = squashMessage({ taskId: 'fix', title: 'Fix the login page', attempt: 1, branch: 'pl/fix/1', prompt });
    expect(msg).toBe('Fix the login page\n\nThe login form\nloses its state.\n\nParallel-Loop-Task: fix\nParallel-Loop-Attempt: fix/1\n');
  });

  it('counts only the trailer block: a trailer-like line quoted in the body is none', () => {
    const msg = squashMessage({ taskId: 'a', title: 'A', attempt: 1, branch: 'b', prompt: 'Parallel-Loop-Task: other\n\nrest' });
    expect(hasTrailer(msg, 'Parallel-Loop-Task', 'a')).toBe(true);
    expect(hasTrailer(msg, 'Parallel-Loop-Task', 'other')).toBe(false);
  });

  it('matches the trailer line exactly: no prefix, suffix or substring hits', () => {
    const body = landingMessage({ taskId: 'task 1', attempt: 1, branch: 'b' });
    expect(hasTrailer(body, 'Parallel-Loop-Task', 'task 1')).toBe(true);
    expect(hasTrailer(body, 'Parallel-Loop-Task', 'task')).toBe(false);
    expect(hasTrailer(body, 'Parallel-Loop-Task', 'task 10')).toBe(false);
    expect(hasTrailer('see Parallel-Loop-Task: task 1 above', 'Parallel-Loop-Task', 'task 1')).toBe(false);
  });

  it('refuses ids that would break or forge a trailer line', () => {
    expect(() => assertTrailerSafe('a\nParallel-Loop-Task: b')).toThrow(expect.objectContaining({ code: 'INVALID_TASK' }));
    expect(() => assertTrailerSafe(' padded')).toThrow();
    expect(() => assertTrailerSafe('')).toThrow();
    expect(() => assertTrailerSafe('ok id ünicode')).not.toThrow();
  });

  it('parses `git log -z --format=%H %P%n%B` records', () => {
    const log = `aaa bbb ccc\nLand task x\n\nParallel-Loop-Task: x\n\0bbb \nroot\n\0`;
    expect(parseLog(log)).toEqual([
      { sha: 'aaa', parents: ['bbb', 'ccc'], body: 'Land task x\n\nParallel-Loop-Task: x\n' },
      { sha: 'bbb', parents: [], body: 'root\n' },
    ]);
  });

  it('finds the newest landing unless an undo of it came after', () => {
    const land = { sha: 'l1', parents: ['p', 'q'], body: landingMessage({ taskId: 'x', attempt: 1, branch: 'b' }) };
    const undo = { sha: 'r1', parents: ['l1'], body: revertMessage('x', 'l1') };
    const reland = { sha: 'l2', parents: ['r1', 's'], body: landingMessage({ taskId: 'x', attempt: 2, branch: 'b' }) };
    expect(findUndoable([land], 'x')?.sha).toBe('l1');
    expect(findUndoable([undo, land], 'x')).toBeUndefined();
    expect(findUndoable([reland, undo, land], 'x')?.sha).toBe('l2');
    expect(findUndoable([land], 'y')).toBeUndefined();
  });
});
