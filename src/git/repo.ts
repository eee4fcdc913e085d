import { spawn } from 'node:child_process';
import { PlError } from '../errors.js';

export interface GitOptions {
  /** Extra environment for this call, applied on top of the cleaned process environment. */
  env?: NodeJS.ProcessEnv;
  /** Written to git's stdin. */
  input?: string;
  /** Exit codes that are answers rather than failures (e.g. 1 for `merge-tree` conflicts). Default `[0]`. */
  okCodes?: number[];
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// Every call names its repository by cwd; inherited GIT_DIR & co. (e.g. when started from a git hook)
// would silently point git at another repository or index.
const INHERITED = new Set(['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_OBJECT_DIRECTORY']);

// The environment git runs with, built once per process.env object: reading process.env is a getenv per
// variable, and building it for each of an attempt's twenty git calls (and spawn reading it again) was 6 ms of a
// worker's CPU per task. Nothing in this tool changes process.env; a caller that must (a test) replaces it whole.
let built: { from: NodeJS.ProcessEnv; env: NodeJS.ProcessEnv } | undefined;

function gitEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  if (built?.from !== process.env) {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!INHERITED.has(name)) env[name] = value;
    // Messages are parsed in a few places (CAS failures); never prompt for credentials or editors.
    Object.assign(env, { LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true' });
    built = { from: process.env, env };
  }
  return extra ? { ...built.env, ...extra } : built.env;
}

/** Run git with an argument array (no shell) and return what it printed and its exit code. Throws `GIT_FAILED` for exit codes not in `okCodes`. */
export function runGit(cwd: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  const okCodes = options.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    // Own process group (detached): a terminal's Ctrl-C signals the whole foreground group, and the git
    // commands of a task that should still finish and land (`run --single`) must not die with it.
    // (execFile would drop the `detached` option, hence spawn.)
    const child = spawn('git', args, { cwd, env: gitEnv(options.env), detached: true, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk)).on('error', () => undefined);
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk)).on('error', () => undefined);
    const fail = (exitCode: number, stderr: string, cause?: Error) =>
      reject(
        new PlError('GIT_FAILED', `git ${args.join(' ')} failed in ${cwd} (exit ${exitCode}): ${stderr.trim() || cause?.message}`, {
          details: { cwd, args, exitCode, stderr },
          cause,
        }),
      );
    child.on('error', (error) => fail(-1, '', error));
    child.once('close', (code, signal) => {
      const [stdout, stderr] = [Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8')];
      const exitCode = code ?? -1;
      if (okCodes.includes(exitCode)) resolve({ stdout, stderr, exitCode });
      else fail(exitCode, stderr, signal ? new Error(`killed by ${signal}`) : undefined);
    });
    if (options.input !== undefined) {
      // git may exit before reading all of it (EPIPE); its exit code tells what happened.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.input);
    }
  });
}

/** Run git and return its stdout without the final newline. Throws PlError `GIT_FAILED` naming the command and git's stderr. */
export async function git(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  const { stdout } = await runGit(cwd, args, options);
  return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
}

/** The full sha of a commit-ish, or undefined when it does not name a commit. */
export async function revParse(cwd: string, rev: string): Promise<string | undefined> {
  const { stdout, exitCode } = await runGit(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { okCodes: [0, 1] });
  return exitCode === 0 ? stdout.trim() : undefined;
}

/** The branch checked out in `cwd` (short name), or undefined when HEAD is detached. */
export async function currentBranch(cwd: string): Promise<string | undefined> {
  const { stdout, exitCode } = await runGit(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okCodes: [0, 1] });
  return exitCode === 0 ? stdout.trim() : undefined;
}

/** The absolute git dir of a worktree (`.git`, or `.git/worktrees/<name>` for a linked worktree). */
export async function gitDir(cwd: string): Promise<string> {
  return git(cwd, ['rev-parse', '--absolute-git-dir']);
}

/** The version numbers in `git --version` output, e.g. `git version 2.39.5` → [2, 39, 5]. */
export function parseGitVersion(text: string): number[] | undefined {
  const match = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

/** Whether version `have` is at least `want` (both dotted, e.g. "2.38"). */
export function versionAtLeast(have: number[], want: string): boolean {
  const need = want.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * Refuse to run with a git older than `minVersion` (default 2.38, the first with `merge-tree --write-tree`,
 * which landing needs to merge without a checkout). Returns the version found.
 */
export async function requireGit(minVersion = '2.38'): Promise<string> {
  let text: string;
  try {
    text = await git(process.cwd(), ['--version']);
  } catch (err) {
    throw new PlError('GIT_TOO_OLD', `Could not run git (${(err as Error).message}). parallel-loop needs git ${minVersion} or newer on PATH.`, {
      cause: err,
    });
  }
  const version = parseGitVersion(text);
  if (!version || !versionAtLeast(version, minVersion)) {
    throw new PlError(
      'GIT_TOO_OLD',
      `parallel-loop needs git ${minVersion} or newer (for \`git merge-tree --write-tree\`), found "${text.trim()}".`,
    );
  }
  return version.join('.');
}
