import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlError } from '../errors.js';
import { checkInteger } from '../proc/check-option.js';
import { killGroupOnExit } from '../proc/kill-on-exit.js';
import { killTree } from '../proc/kill-tree.js';
import { LineSplitter } from '../proc/line-splitter.js';
import { OutputLog } from '../proc/output-log.js';
import { processStartTime } from '../proc/start-time.js';
import type { AgentInvocation } from './types.js';

/** Environment variable set to a fresh id for each run; every process the agent starts inherits it. */
export const RUN_ID_ENV = 'PARALLEL_LOOP_RUN_ID';

const TAIL_LINES = 40;

export interface RunAgentProcessOptions {
  invocation: AgentInvocation;
  /** Working directory of the agent (its worktree). */
  cwd: string;
  /** Variables for the agent, on top of this process's environment; `invocation.env` wins over them. */
  env?: Record<string, string>;
  /** Whether the agent also gets this process's environment. Default true. */
  extendEnv?: boolean;
  /** Receives stdout and stderr bytes as they come, unchanged; appended to, parent folders created. */
  logFile: string;
  /** Milliseconds the agent may run before its whole process tree is killed; 0 for no limit. */
  timeoutMs: number;
  /** Milliseconds from SIGTERM to SIGKILL when the tree is killed. Default 5000. */
  killGraceMs?: number;
  /** Each output line, without its newline, cut at 64 KiB (the log keeps it whole). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting kills the agent's tree, as a timeout does. */
  signal?: AbortSignal;
  /** Called once the agent started; its pid is also its process group id. */
  onSpawn?: (pid: number, info: { startTime: string | undefined; runId: string }) => void;
}

export interface AgentRunResult {
  /** The agent's exit code; null when a signal ended it or it never started. */
  exitCode: number | null;
  /** The signal that ended the agent (e.g. `SIGTERM`), or null. */
  signal: NodeJS.Signals | null;
  /** The run was stopped for taking longer than `timeoutMs`. */
  timedOut: boolean;
  /** The run was stopped by `signal` (before it started, if `pid` is undefined). */
  aborted: boolean;
  /** From start until the agent process exited. */
  durationMs: number;
  /** The last 40 output lines of both streams, in arrival order. */
  tailLines: string[];
  pid: number | undefined;
  /** The value of RUN_ID_ENV for this run. */
  runId: string;
  /** Processes the agent left running when it exited, killed since. */
  leftovers: number[];
  /** Set when writing the log failed midway; the run itself went on. */
  logError?: string;
}

/**
 * Run one agent process to its end, in its own process group, and leave nothing
 * of it running: on timeout or abort its whole tree is killed (SIGTERM, then
 * SIGKILL after `killGraceMs`), and after it exits whatever it left behind is too.
 * Output is streamed to `logFile` and `onLine`, never held in full.
 * Throws PlError `AGENT_SPAWN_FAILED` when the program cannot be started.
 */
export async function runAgentProcess(options: RunAgentProcessOptions): Promise<AgentRunResult> {
  const { timeoutMs, killGraceMs = 5000, signal } = options;
  checkInteger('timeoutMs', timeoutMs);
  checkInteger('killGraceMs', killGraceMs);
  const runId = randomUUID();
  if (signal?.aborted) {
    return { exitCode: null, signal: null, timedOut: false, aborted: true, durationMs: 0, tailLines: [], pid: undefined, runId, leftovers: [] };
  }
  const log = await OutputLog.open(options.logFile);
  const started = performance.now();
  const child = spawnAgent(options, runId);
  if (child.pid === undefined) throw await spawnFailure(child, log, options);
  const pid = child.pid;
  // Read at once: the child cannot have been reaped yet, so its stat is still there.
  const startTime = processStartTime(pid);
  const releaseExitKill = killGroupOnExit(pid);
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (...end) => resolve(end)));
  options.onSpawn?.(pid, { startTime, runId });
  const output = new Output(log, options.onLine);
  output.follow(child.stdout, 'stdout');
  output.follow(child.stderr, 'stderr');

  const killOptions = { graceMs: killGraceMs, startTime, marker: { name: RUN_ID_ENV, value: runId } };
  const stopper = new Stopper(() => killTree(pid, killOptions), timeoutMs, signal);
  const [exitCode, exitSignal] = await exited;
  const durationMs = Math.round(performance.now() - started);
  const { timedOut, aborted } = await stopper.settle();
  // The agent is gone, but a server or watcher it started in the background may
  // not be: it would keep running unseen and hold our output pipes open. Kill
  // what is left of its group, its descendants and anything carrying its run id.
  const leftovers = (await killTree(pid, killOptions)).killed;
  // Something we could not kill (another user's process) may still hold the pipes.
  if (!(await settlesWithin(child.closed, killGraceMs + 1000))) {
    child.stdout.destroy();
    child.stderr.destroy();
    await child.closed;
  }
  releaseExitKill();
  output.end();
  const logError = await log.close();
  output.rethrow();
  const tailLines = output.tail;
  return { exitCode, signal: exitSignal, timedOut, aborted, durationMs, tailLines, pid, runId, leftovers, ...(logError ? { logError } : {}) };
}

type AgentChild = ChildProcessByStdio<Writable | null, Readable, Readable> & {
  /** Settles once the process exited and both output streams ended (or were destroyed). */
  closed: Promise<void>;
  /** Set when the program could not be started. */
  failed: Promise<Error>;
};

// node:child_process rather than a wrapper library: nothing here needs more, and a worker starts faster without one.
function spawnAgent({ invocation, cwd, env, extendEnv = true }: RunAgentProcessOptions, runId: string): AgentChild {
  const childEnv = { ...(extendEnv ? process.env : {}), ...env, ...invocation.env, [RUN_ID_ENV]: runId };
  const withInput = invocation.input !== undefined;
  // Own process group (detached), so that one signal reaches everything the agent starts in it.
  const child = spawn(invocation.file, invocation.args, { cwd, env: childEnv, detached: true, stdio: [withInput ? 'pipe' : 'ignore', 'pipe', 'pipe'] }) as AgentChild;
  // Listened to for the process's whole life: an 'error' without a listener would end the worker.
  child.failed = new Promise<Error>((resolve) => child.on('error', resolve));
  child.closed = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    // A spawn failure emits 'error' and may never emit 'close'.
    child.on('error', () => (child.pid === undefined ? resolve() : undefined));
  });
  // A read error on an output pipe ends that stream; the exit code still tells what happened.
  child.stdout?.on('error', () => undefined);
  child.stderr?.on('error', () => undefined);
  if (withInput && child.stdin) {
    // The agent may exit without reading all of it (EPIPE); its exit code tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(invocation.input);
  }
  return child;
}

async function spawnFailure(child: AgentChild, log: OutputLog, { invocation, cwd }: RunAgentProcessOptions): Promise<PlError> {
  const cause = await child.failed;
  await log.close();
  const command = [invocation.file, ...invocation.args].join(' ');
  return new PlError('AGENT_SPAWN_FAILED', `Could not start the agent \`${invocation.file}\` in ${cwd}: Command failed with ${(cause as NodeJS.ErrnoException).code ?? 'an error'}: ${command}\n${cause.message}`, {
    cause,
  });
}

/** Kills the agent's tree once, at the timeout or on abort, unless it exited first. */
class Stopper {
  private timedOut = false;
  private aborted = false;
  private killing: Promise<unknown> | undefined;
  private exited = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.stop('aborted');

  constructor(
    private readonly kill: () => Promise<unknown>,
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.timer = timeoutMs > 0 ? setTimeout(() => this.stop('timedOut'), timeoutMs) : undefined;
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The agent exited: stop watching, and wait for a kill under way (its tree may live on). */
  async settle(): Promise<{ timedOut: boolean; aborted: boolean }> {
    this.exited = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    await this.killing;
    return { timedOut: this.timedOut, aborted: this.aborted };
  }

  private stop(reason: 'timedOut' | 'aborted'): void {
    if (this.exited || this.killing) return;
    this[reason] = true;
    this.killing = this.kill();
    // Awaited in settle(); marked handled now so a failure cannot end the process before that.
    this.killing.catch(() => undefined);
  }
}

async function settlesWithin(promise: PromiseLike<unknown>, ms: number): Promise<boolean> {
  const giveUp = new AbortController();
  const settled = await Promise.race([
    Promise.resolve(promise).then(() => true),
    sleep(ms, false, { signal: giveUp.signal }).catch(() => false),
  ]);
  giveUp.abort();
  return settled;
}

/** Feeds both output streams to the log, to line splitting and to the tail. */
class Output {
  readonly tail: string[] = [];
  private readonly splitters: LineSplitter[] = [];
  private callbackError: unknown;

  constructor(
    private readonly log: OutputLog,
    private readonly onLine: RunAgentProcessOptions['onLine'],
  ) {}

  follow(stream: Readable, name: 'stdout' | 'stderr'): void {
    const splitter = new LineSplitter((line) => this.line(line, name));
    this.splitters.push(splitter);
    stream.on('data', (chunk: Buffer) => {
      this.log.write(chunk, stream);
      splitter.push(chunk);
    });
    stream.once('end', () => splitter.end());
  }

  end(): void {
    for (const s of this.splitters) s.end();
  }

  /** An onLine callback that threw is reported once the run is over, not while processes still run. */
  rethrow(): void {
    if (this.callbackError !== undefined) throw this.callbackError;
  }

  private line(line: string, stream: 'stdout' | 'stderr'): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (!this.onLine || this.callbackError !== undefined) return;
    try {
      this.onLine(line, stream);
    } catch (err) {
      this.callbackError = err;
    }
  }
}
