// Run the built CLI (dist/cli/main.js) in a test repository, as a person would from a shell.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readEvents as readEventLog } from '../../src/events/log.js';
import type { PlEvent } from '../../src/lifecycle/events.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(root, 'dist/cli/main.js');

const NO_LOAD_PAUSE = ['--pause-cpu-percent', '100', '--pause-memory-percent', '100'];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI: its process, the output so far, and its end. */
export interface CliRun {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<CliResult>;
  /** Resolves once stdout holds `text` (or matches it); rejects when the CLI ends first or after `ms`. */
  waitForOutput(text: string | RegExp, ms?: number): Promise<void>;
}

export interface StartOptions {
  /** Keep the run's own load settings: no pause flags are added. */
  loadDefaults?: boolean;
}

/**
 * Start `parallel-loop <args>` in `repo`. It gets its own process group, so a test can send a signal
 * to the whole group the way a terminal does on Ctrl-C (`process.kill(-pid, 'SIGINT')`).
 */
export function startCli(repo: string, args: string[], env: Record<string, string> = {}, options: StartOptions = {}): CliRun {
  // Tests share a busy machine: claims do not wait for the load to drop unless a test asks for it.
  const addPauseFlags = args[0] === 'run' && !options.loadDefaults && !args.some((a) => a.startsWith('--pause-'));
  const full = addPauseFlags ? [...args, ...NO_LOAD_PAUSE] : args;
  const child = spawn(process.execPath, [cliPath, ...full], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close', not 'exit': workers that outlive a killed supervisor hold the pipes until they finish.
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  let ended = false;
  void done.then(() => (ended = true));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
    async waitForOutput(text, ms = 20_000) {
      const deadline = Date.now() + ms;
      const seen = () => (typeof text === 'string' ? stdout.includes(text) : text.test(stdout));
      while (!seen()) {
        if (ended) throw new Error(`the CLI ended before printing ${String(text)}:\n${stdout}\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`no ${String(text)} within ${ms} ms:\n${stdout}\n${stderr}`);
        await sleep(25);
      }
    },
  };
}

/** Run `parallel-loop <args>` in `repo` to its end. */
export function runCli(repo: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(repo, args, env).done;
}

/** Drop a JSON task file into the inbox the way writers should: temp name, then rename. */
export function writeTask(repo: string, id: string, fields: Record<string, unknown>, prompt = `Task ${id}`): string {
  const queue = path.join(repo, 'queue');
  fs.mkdirSync(path.join(queue, '.tmp'), { recursive: true });
  const tmp = path.join(queue, '.tmp', `${id}.json`);
  fs.writeFileSync(tmp, JSON.stringify({ prompt, ...fields }, null, 2));
  const file = path.join(queue, `${id}.json`);
  fs.renameSync(tmp, file);
  return file;
}

/** Write `.parallel-loop.json` (the run's config file). */
export function writeConfig(repo: string, config: Record<string, unknown>): void {
  fs.writeFileSync(path.join(repo, '.parallel-loop.json'), JSON.stringify(config, null, 2));
}

/** Every event of `.parallel-loop/events.jsonl`. */
export function readEvents(repo: string): PlEvent[] {
  return readEventLog(path.join(repo, '.parallel-loop', 'events.jsonl'));
}

/** Task files (not records) in a queue state folder; `inbox` is queue/ itself. */
export function tasksIn(repo: string, state: 'inbox' | 'running' | 'done' | 'failed'): string[] {
  const dir = state === 'inbox' ? path.join(repo, 'queue') : path.join(repo, 'queue', state);
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.endsWith('.error.json')).map((e) => e.name).sort();
}

export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Pids of live processes whose working directory is `dir` or inside it (workers and agents of a run there). */
export function processesIn(dir: string): number[] {
  // realpath('') is the current folder: a test whose repo was never made must not match the suite's own processes.
  if (!dir || !fs.existsSync(dir)) return [];
  const real = fs.realpathSync(dir);
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${name}/cwd`);
      const state = /\) (\S)/.exec(fs.readFileSync(`/proc/${name}/stat`, 'utf8'))?.[1];
      if ((cwd === real || cwd.startsWith(real + '/')) && state !== 'Z') found.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** Last-resort cleanup: SIGKILL whatever still runs in `dir`, so a failed test leaves nothing behind. */
export function killProcessesIn(dir: string): void {
  for (const pid of processesIn(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}
