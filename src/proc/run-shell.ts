import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { checkInteger } from './check-option.js';
import { endOf, waitForGroup, type ChildEnd } from './group-wait.js';
import { killTree } from './kill-tree.js';

export interface ShellLineOptions {
  cwd: string;
  /** Variables on top of this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds the line may run before its whole process tree is killed. */
  timeoutMs: number;
  /** Milliseconds from SIGTERM to SIGKILL when the tree is killed. Default 5000. */
  killGraceMs?: number;
  /** Characters of output kept, the last ones. Default 1 MiB. */
  maxOutput?: number;
}

export interface ShellLineResult {
  ok: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** How it failed, phrased to follow "The command `…`"; empty when it passed. */
  why: string;
  /** stdout and stderr interleaved as they came, at most the last `maxOutput` characters. */
  output: string;
}

/**
 * Run a shell line the user wrote in their config or task (set-up, verify) through `/bin/sh -c`, and leave
 * nothing of it running. It gets its own process group (detached: a Ctrl-C at the terminal is not meant for
 * it either); at the timeout its whole tree is killed (SIGTERM, SIGKILL after `killGraceMs`), descendants
 * that left the group included, and once it exits whatever it left in the background is killed too.
 */
export function runShellLine(command: string, options: ShellLineOptions): Promise<ShellLineResult> {
  return runTree('/bin/sh', ['-c', command], options);
}

/** The same for a command given as an argument array (a program and its arguments; no shell sees them). */
export function runArgs(argv: readonly string[], options: ShellLineOptions): Promise<ShellLineResult> {
  return runTree(argv[0] ?? '', argv.slice(1), options);
}

async function runTree(file: string, args: string[], options: ShellLineOptions): Promise<ShellLineResult> {
  const { timeoutMs, killGraceMs = 5000, maxOutput = 1024 * 1024 } = options;
  checkInteger('timeoutMs', timeoutMs, 1);
  checkInteger('killGraceMs', killGraceMs);
  const child = spawn(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > 2 * maxOutput) output = output.slice(-maxOutput);
  };
  // A read error ends that stream only; the exit code still tells what happened.
  child.stdout.on('data', collect).on('error', () => undefined);
  child.stderr.on('data', collect).on('error', () => undefined);
  const ended = endOf(child);
  const pid = child.pid;
  if (pid === undefined) return failed(await ended, output);
  const { end, timedOut, startTime, release } = await waitForGroup(pid, ended, { timeoutMs, graceMs: killGraceMs });
  // A server or watcher started in the background would keep running unseen and hold the output pipes open.
  await killTree(pid, { graceMs: killGraceMs, startTime }).catch(() => undefined);
  await streamsClosed(child, killGraceMs + 1000);
  release();
  if (end instanceof Error) return failed(end, output);
  return settled(end, timedOut, timeoutMs, output.slice(-maxOutput));
}

/** Wait for both output pipes to end; one still held after `ms` (by a process not ours to kill) is let go. */
async function streamsClosed(child: ChildProcessByStdio<null, Readable, Readable>, ms: number): Promise<void> {
  if (child.stdout.readableEnded && child.stderr.readableEnded) return;
  let timer: NodeJS.Timeout | undefined;
  const closed = await new Promise<boolean>((resolve) => {
    child.once('close', () => resolve(true));
    timer = setTimeout(() => resolve(false), ms);
  });
  clearTimeout(timer);
  if (!closed) {
    child.stdout.destroy();
    child.stderr.destroy();
  }
}

function settled([exitCode, signal]: Exclude<ChildEnd, Error>, timedOut: boolean, timeoutMs: number, output: string): ShellLineResult {
  const why = timedOut ? `timed out after ${timeoutMs} ms` : exitCode === 0 ? '' : signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
  return { ok: !timedOut && exitCode === 0, exitCode, signal, timedOut, why, output };
}

function failed(end: ChildEnd, output: string): ShellLineResult {
  const why = end instanceof Error ? `could not start (${end.message})` : 'could not start';
  return { ok: false, exitCode: null, signal: null, timedOut: false, why, output };
}
