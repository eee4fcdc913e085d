import { runGit } from './repo.js';

/** The identity commits are made with when the repository and environment configure none. */
export const FALLBACK_IDENTITY = { name: 'parallel-loop', email: 'parallel-loop@localhost' } as const;

async function configured(cwd: string, key: string): Promise<boolean> {
  const { stdout, exitCode } = await runGit(cwd, ['config', '--get', key], { okCodes: [0, 1] });
  return exitCode === 0 && stdout.trim() !== '';
}

/**
 * `-c user.name=… -c user.email=…` arguments to put before a committing git command, for the parts of the
 * identity that neither the git config nor the GIT_AUTHOR_* / GIT_COMMITTER_* / EMAIL variables give.
 * An unattended run on a fresh machine would otherwise stop at "Please tell me who you are".
 * Empty when the user's own identity is complete, so their name stays on their work.
 */
export async function identityArgs(cwd: string): Promise<string[]> {
  // Asked at most once a minute per folder: two git calls per commit add up over thousands of tasks.
  const cached = cache.get(cwd);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.args;
  const args = await lookUp(cwd);
  cache.set(cwd, { args, at: Date.now() });
  return args;
}

const CACHE_MS = 60_000;
const cache = new Map<string, { args: string[]; at: number }>();

async function lookUp(cwd: string): Promise<string[]> {
  const env = process.env;
  const args: string[] = [];
  const hasName = (env.GIT_AUTHOR_NAME && env.GIT_COMMITTER_NAME) || (await configured(cwd, 'user.name'));
  const hasEmail = (env.GIT_AUTHOR_EMAIL && env.GIT_COMMITTER_EMAIL) || env.EMAIL || (await configured(cwd, 'user.email'));
  if (!hasName) args.push('-c', `user.name=${FALLBACK_IDENTITY.name}`);
  if (!hasEmail) args.push('-c', `user.email=${FALLBACK_IDENTITY.email}`);
  return args;
}
