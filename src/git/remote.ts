import { PlError } from '../errors.js';
import { git, revParse, runGit } from './repo.js';

/**
 * How a fetch or push that did not succeed failed, from git's stderr. Pure.
 * `auth`: the remote refused the credentials or the permission (git's own words for it, over SSH and HTTP);
 * `busy`: another local git was changing refs this instant (holding the ref being written, or adding or
 * removing an attempt's worktree, whose HEAD a fetch reads among all refs); `other`: anything else (network,
 * a dropped connection), whose outcome on the server is unknown.
 */
export function remoteFailure(stderr: string): 'auth' | 'busy' | 'other' {
  if ([...AUTH_PATTERNS, ACCESS_ADVICE].some((p) => p.test(stderr))) return 'auth';
  if (/cannot lock ref|Unable to create '[^']*\.lock'|bad object worktrees\/|worktrees\/[^ ]+\/HEAD/i.test(stderr)) return 'busy';
  return 'other';
}

const AUTH_PATTERNS = [
  /permission denied/i,
  /permission to \S+ denied/i,
  /authentication failed/i,
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /returned error: 40[13]\b/i,
  /host key verification failed/i,
  /\b(access denied|not authorized|unauthorized)\b/i,
];
/** git's advice after an SSH refusal: a sign of one, but no reason of its own. */
const ACCESS_ADVICE = /make sure you have the correct access rights/i;

/** One ref line of `git push --porcelain`: its flag (` ` `+` `-` `*` `=` `!`), ref names and summary. */
export interface PushedRef {
  flag: string;
  from: string;
  to: string;
  summary: string;
}

/** The ref lines of `git push --porcelain` output (`<flag>\t<from>:<to>\t<summary>`). Pure. */
export function parsePushPorcelain(stdout: string): PushedRef[] {
  const refs: PushedRef[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^([ +\-*=!])\t([^\t]*)\t(.*)$/.exec(line);
    if (!m) continue;
    const colon = m[2]!.lastIndexOf(':');
    refs.push({ flag: m[1]!, from: m[2]!.slice(0, colon), to: m[2]!.slice(colon + 1), summary: m[3]! });
  }
  return refs;
}

/**
 * How a push of one ref ended. `pushed`: the remote ref is `next` now (or already was). `stale`: the lease
 * did not hold or the remote ref is not an ancestor (the remote moved). `rejected`: the server refused it
 * (a hook, branch protection), `reason` in its words. `auth`: see remoteFailure. `unknown`: the push failed
 * in a way that does not say whether the server took it (a connection dropped after the server accepted).
 */
export type PushOutcome =
  /** `upToDate`: the remote ref was `next` already, so this push moved nothing. */
  | { kind: 'pushed'; upToDate: boolean }
  | { kind: 'stale'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'auth'; message: string }
  | { kind: 'unknown'; message: string };

/** Read a porcelain push's result for the ref `dst`. Pure. */
export function pushOutcome(result: { stdout: string; stderr: string; exitCode: number }, dst: string): PushOutcome {
  const line = parsePushPorcelain(result.stdout).find((r) => r.to === dst);
  if (line && line.flag !== '!' && result.exitCode === 0) return { kind: 'pushed', upToDate: line.flag === '=' };
  const stderr = result.stderr.trim();
  if (line?.flag === '!') {
    const reason = line.summary.replace(/^\[|\]/g, '').trim();
    if (/^rejected\b/.test(line.summary.replace(/^\[/, '')) || /stale info|fetch first|non-fast-forward/.test(line.summary)) return { kind: 'stale', reason };
    return { kind: 'rejected', reason: remoteLines(stderr) ? `${reason}: ${remoteLines(stderr)}` : reason };
  }
  if (remoteFailure(stderr) === 'auth') return { kind: 'auth', message: stderr };
  return { kind: 'unknown', message: stderr || `git push exited ${result.exitCode}` };
}

/** What the server said (`remote: …` lines), e.g. a hook's reason for refusing. */
function remoteLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('remote: '))
    .map((l) => l.slice('remote: '.length).trim())
    .filter(Boolean)
    .join(' ');
}

export interface PushInput {
  remote: string;
  /** The commit to push. */
  commit: string;
  /** The remote ref, e.g. `refs/heads/main`. */
  dst: string;
  /**
   * The lease: push only while the remote ref is at this commit (`--force-with-lease=<dst>:<lease>`);
   * an empty string: only while it does not exist. Absent: a plain push, which git allows only as a fast-forward.
   */
  lease?: string;
}

/** `git push --porcelain` of one commit to one remote ref: never a plain force. */
export async function pushCommit(repo: string, input: PushInput): Promise<PushOutcome> {
  const lease = input.lease === undefined ? [] : [`--force-with-lease=${input.dst}:${input.lease}`];
  const result = await runGit(repo, ['push', '--porcelain', '--no-progress', ...lease, '--', input.remote, `${input.commit}:${input.dst}`], { okCodes: [0, 1, 128] });
  return pushOutcome(result, input.dst);
}

/**
 * Fetch one branch of a remote into a private local ref, and return the commit it fetched (undefined when
 * the remote has no such branch). The configured refspecs are left alone (`--refmap=`), so concurrent
 * landers never fight over `refs/remotes/…`; a fetch that ran into another local git changing refs (the
 * private ref, a worktree being added or removed) is tried again.
 * Throws PlError `REMOTE_AUTH_FAILED` when the remote refuses the credentials, `GIT_FAILED` otherwise.
 */
export function fetchBranch(repo: string, remote: string, branch: string, intoRef: string): Promise<string | undefined> {
  return fetchRef(repo, remote, `refs/heads/${branch}`, intoRef);
}

/** fetchBranch for any ref of the remote (`src`, a full ref name): the commit fetched, undefined when the remote has no such ref. */
export async function fetchRef(repo: string, remote: string, src: string, intoRef: string): Promise<string | undefined> {
  // git waits this long for a ref lock itself before it gives up (its default: 100 ms).
  const args = ['-c', 'core.filesRefLockTimeout=1000', 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-auto-maintenance', '--no-recurse-submodules', '--refmap=', '--', remote, `+${src}:${intoRef}`];
  for (let tries = 1; ; tries++) {
    const result = await runGit(repo, args, { okCodes: [0, 1, 128] });
    if (result.exitCode === 0) return revParse(repo, intoRef);
    if (/couldn't find remote ref/i.test(result.stderr)) return undefined;
    const failure = remoteFailure(result.stderr);
    if (failure === 'auth') throw authError(remote, 'fetch', result.stderr);
    if (failure !== 'busy' || tries >= 10) {
      throw new PlError('GIT_FAILED', `git fetch ${remote} ${src} failed in ${repo} (exit ${result.exitCode}): ${result.stderr.trim()}`, { details: { repo, remote, ref: src, stderr: result.stderr } });
    }
    await new Promise((r) => setTimeout(r, Math.random() * 20 * tries));
  }
}

/** The error that stops landing: git could not authenticate to the remote, or was not allowed. */
export function authError(remote: string, what: 'fetch' | 'push', stderr: string): PlError {
  // The line that names the refusal; git's own advice after it ("make sure you have the correct access rights") adds nothing.
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const said = lines.find((l) => AUTH_PATTERNS.some((p) => p.test(l))) ?? lines.find((l) => !ACCESS_ADVICE.test(l)) ?? 'no message';
  return new PlError(
    'REMOTE_AUTH_FAILED',
    `git could not ${what} ${what === 'fetch' ? 'from' : 'to'} ${remote}: ${said.replace(/\.$/, '')}. ` +
      `Authentication is git's own (credential helper, SSH agent, \`git remote -v\`): fix it so that \`git ${what} ${remote}\` works here, then run again.`,
    { details: { remote, what, stderr } },
  );
}

/** Whether `remote` names a remote of the repository (`git remote`). */
export async function isRemote(repo: string, remote: string): Promise<boolean> {
  return (await remoteNames(repo)).includes(remote);
}

export async function remoteNames(repo: string): Promise<string[]> {
  return (await git(repo, ['remote'])).split('\n').filter(Boolean);
}
