import { spawn } from 'node:child_process';
import { endOf, waitForGroup, type ChildEnd } from '../proc/group-wait.js';
import type { NotificationBody } from './kinds.js';

const PLACEHOLDER = /\{(kind|task|reason|at|link|run|title)\}/g;

/** `argv` with each `{field}` replaced by that field of the notification (empty when it has none). Pure. */
export function fillPlaceholders(argv: readonly string[], body: NotificationBody): string[] {
  return argv.map((arg) => arg.replace(PLACEHOLDER, (_, name: keyof NotificationBody) => String(body[name] ?? '')));
}

/** The notification as PL_NOTIFY_* variables, for hooks that read their environment. Pure. */
export function notifyEnv(body: NotificationBody): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) env[`PL_NOTIFY_${name.toUpperCase()}`] = value === null ? '' : String(value);
  return env;
}

/**
 * Run one command hook: the program and arguments as given (no shell), the notification as JSON on
 * stdin and in PL_NOTIFY_*. Resolves when it exits 0; rejects when it exits otherwise, cannot start,
 * or outlives `timeoutMs`, in which case its whole process tree is killed first.
 */
export async function runCommandHook(argv: readonly string[], body: NotificationBody, timeoutMs: number, cwd: string): Promise<void> {
  const [program, ...args] = fillPlaceholders(argv, body);
  // Its own process group, so killTree takes what it started too, and a Ctrl-C at the terminal is not its.
  const child = spawn(program!, args, { cwd, env: { ...process.env, ...notifyEnv(body) }, stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  const ended = endOf(child);
  // A hook that does not read its stdin closes the pipe: EPIPE is no failure of the hook.
  child.stdin.on('error', () => undefined);
  child.stdin.end(JSON.stringify(body) + '\n');
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start (${errorText(await ended)})`);
  const { end, timedOut, release } = await waitForGroup(pid, ended, { timeoutMs, graceMs: 500 });
  release();
  if (timedOut) throw new Error(`timed out after ${timeoutMs} ms; its process tree was killed`);
  if (end instanceof Error) throw new Error(`could not start (${end.message})`);
  const [code, signal] = end;
  if (code !== 0) throw new Error(signal ? `was killed by ${signal}` : `exited with code ${code}`);
}

function errorText(end: ChildEnd): string {
  return end instanceof Error ? end.message : 'no pid';
}
