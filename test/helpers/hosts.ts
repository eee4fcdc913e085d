// "Hosts" on this one machine: each `parallel-loop` command runs in its own UTS, PID and mount namespace
// (`unshare --uts --pid --fork --mount-proc`), under a host name of its own, seeing only its own processes.
// Killing the namespace's first process (pid 1 inside it) makes the kernel SIGKILL every process in it
// at once: a whole host dying. Needs root (or user namespaces) and util-linux's unshare.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliPath } from './run-cli.js';

/** Why hosts cannot be made here, or undefined when they can. */
export const noNamespaces: string | undefined = probe();

function probe(): string | undefined {
  try {
    execFileSync('unshare', ['--uts', '--pid', '--fork', '--mount-proc', 'sh', '-c', 'hostname probe-host'], { stdio: 'pipe', timeout: 10_000 });
    return undefined;
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    return e.code === 'ENOENT' ? 'unshare is not installed' : `unshare --uts --pid --fork --mount-proc is not permitted here (${e.stderr?.toString().trim() || String(err)})`;
  }
}

export interface Host {
  name: string;
  /** The unshare process, in this namespace. */
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the unshare process has ended (the namespace with it). */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// pid 1 of the namespace is this shell: it sets the host name and waits on the command (dash reaps any
// child, so orphans of the namespace do not linger as zombies). The arguments are passed as such.
const INIT = 'hostname "$1" && shift && "$@"';

/** Run `parallel-loop <args>` as host `name`, in a namespace of its own. */
export function startHost(name: string, cwd: string, args: string[], env: Record<string, string> = {}): Host {
  const child = spawn('unshare', ['--uts', '--pid', '--fork', '--mount-proc', 'sh', '-c', INIT, 'sh', name, process.execPath, cliPath, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    name,
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

/** Run `parallel-loop <args>` as host `name` to its end. */
export async function runAsHost(name: string, cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const host = startHost(name, cwd, args);
  const { code } = await host.done;
  return { code, stdout: host.stdout, stderr: host.stderr };
}

/** The namespace's pid 1 (the child of unshare), as this namespace numbers it. */
export function initPid(host: Host): number | undefined {
  try {
    const children = fs.readFileSync(`/proc/${host.child.pid}/task/${host.child.pid}/children`, 'utf8').trim();
    return children ? Number(children.split(/\s+/)[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** The PID namespace of a process (`pid:[4026532…]`), or undefined when it is gone. */
export function pidNamespace(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Pids of this namespace's view that live in PID namespace `ns`, zombies left out. */
export function processesInNamespace(ns: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readlinkSync(`/proc/${name}/ns/pid`) !== ns) continue;
      if (/\) Z/.test(fs.readFileSync(`/proc/${name}/stat`, 'utf8'))) continue;
      found.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/**
 * Kill a whole host: SIGKILL to its namespace's pid 1, upon which the kernel SIGKILLs every other process
 * of the namespace. Resolves once none is left. Returns how many processes the namespace held.
 */
export async function killHost(host: Host): Promise<number> {
  const init = initPid(host);
  if (init === undefined) throw new Error(`host ${host.name} has no namespace to kill`);
  const ns = pidNamespace(init);
  if (ns === undefined) throw new Error(`host ${host.name}'s pid 1 is already gone`);
  const count = processesInNamespace(ns).length;
  process.kill(init, 'SIGKILL');
  while (processesInNamespace(ns).length > 0) await sleep(20);
  await host.done;
  return count;
}
