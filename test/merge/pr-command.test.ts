// The pull request command: its placeholders filled in argument by argument, and the URL read back
// from what it printed, including gh's answer for a pull request that exists already.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PR_COMMAND, expandPrCommand, prBody, prUrlFrom } from '../../src/merge/pr-command.js';

const values = { branch: 'pl/fix-login', base: 'main', title: 'Fix "login"; rm -rf / <branch>', bodyFile: '/s/prs/fix-login.body.md' };

describe('expandPrCommand', () => {
  it('fills each placeholder inside its own argument, never splitting or re-expanding a value', () => {
    expect(expandPrCommand(DEFAULT_PR_COMMAND, values)).toEqual([
      'gh', 'pr', 'create', '--head', 'pl/fix-login', '--base', 'main', '--title', 'Fix "login"; rm -rf / <branch>', '--body-file', '/s/prs/fix-login.body.md',
    ]);
    expect(expandPrCommand(['my-pr', '--into=<base>', '<branch>:<title>'], values)).toEqual(['my-pr', '--into=main', 'pl/fix-login:Fix "login"; rm -rf / <branch>']);
  });
});

describe('prUrlFrom', () => {
  it('takes the URL gh prints on success', () => {
    expect(prUrlFrom('https://github.com/acme/app/pull/12\n', 0)).toEqual({ url: 'https://github.com/acme/app/pull/12', existing: false });
  });

  it('takes the existing pull request from gh\'s refusal to open a second one', () => {
    const refusal = 'a pull request for branch "pl/fix-login" into branch "main" already exists:\nhttps://github.com/acme/app/pull/12\n';
    expect(prUrlFrom(refusal, 1)).toEqual({ url: 'https://github.com/acme/app/pull/12', existing: true });
  });

  it('takes nothing from a failure that names no pull request, nor from output without a URL', () => {
    expect(prUrlFrom('HTTP 401: Bad credentials (https://api.github.com/graphql)\n', 1)).toBeUndefined();
    expect(prUrlFrom('created\n', 0)).toBeUndefined();
  });
});

describe('prBody', () => {
  it('is the prompt, then a line naming the task, then its trailer', () => {
    expect(prBody('fix-login', 'Fix the redirect.\n', 2)).toBe('Fix the redirect.\n\n---\nOpened by parallel-loop for task `fix-login` (attempt 2).\n\nParallel-Loop-Task: fix-login\n');
  });
});
