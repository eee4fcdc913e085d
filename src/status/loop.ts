import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { Layout } from '../queue/layout.js';
import type { DigestState } from './event-cache.js';
import { statusPass, type PassOptions } from './pass.js';
import type { Status } from './types.js';

/** Options of a live status loop; pass options apply to every pass. */
export interface LoopOptions extends Omit<PassOptions, 'previous' | 'now'> {
  /** A pass at least this often, even when no file changed (times keep moving). Default 1000 ms. */
  intervalMs?: number;
  /**
   * After a pass that found no live agent, the next timed pass waits this long instead: nothing moves
   * then but the clock, and a file change still wakes the loop at once. Default `intervalMs`.
   */
  idleIntervalMs?: number;
  /** Wait this long after a file change before a pass, so a burst of changes costs one. Default 100 ms. */
  debounceMs?: number;
  /** Each pass's status. */
  onStatus: (status: Status) => void;
  /** A pass that threw. */
  onError?: (err: unknown) => void;
  /** Stops the loop. */
  signal: AbortSignal;
}

/** A running loop: `wake` asks for a pass now (a resized terminal, a new viewer). */
export interface StatusLoop {
  wake: () => void;
  /** Resolves once the watcher is closed and the last pass ended, after `signal` aborted. */
  done: Promise<void>;
}

/**
 * Status passes, one after each change and at least every `intervalMs`, until `signal` aborts: what
 * `status --watch` draws and the dashboard sends. Woken by chokidar on the queue, the agents'
 * heartbeats and the event log, and by a timer, because watchers miss events (the timer is what
 * guarantees the view catches up). Passes never overlap; the event digest is kept between them.
 */
export function statusLoop(layout: Layout, options: LoopOptions): StatusLoop {
  let digest: DigestState | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let tick: NodeJS.Timeout | undefined;
  const { signal } = options;
  const intervalMs = options.intervalMs ?? 1000;
  // The timer restarts after every pass, so a pass woken by a change also pushes the next timed one back.
  const schedule = (active: boolean) => {
    clearTimeout(tick);
    if (!signal.aborted) tick = setTimeout(run, active ? intervalMs : (options.idleIntervalMs ?? intervalMs));
  };
  let lastActive = true;

  const pass = async () => {
    const result = await statusPass(layout, { ...options, previous: digest });
    digest = result.digest;
    lastActive = result.status.active;
    if (!signal.aborted) options.onStatus(result.status);
  };
  // A change during a pass asks for one more pass after it.
  const run = () => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        } else schedule(lastActive);
      });
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(run, options.debounceMs ?? 100);
  };
  const watcher = startWatcher(layout, soon);
  run();
  const done = new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  }).then(async () => {
    clearTimeout(tick);
    clearTimeout(timer);
    await watcher?.close().catch(() => undefined);
    await running;
  });
  return { wake: run, done };
}

const AGENT_CHATTER = new Set(['logs', 'prompts', 'stages']);

// Watch only the few places that change when work moves: the inbox, heartbeats and the log. Not
// worktrees (whole checkouts), claims/ (a folder per task ever run) or done/ (thousands of files):
// every move between those folders also appends to the log. Dotfiles are temp files of atomic writes.
function startWatcher(layout: Layout, onChange: () => void): FSWatcher | undefined {
  const insideStateFolder = (p: string) => {
    const rel = path.relative(layout.queue, p);
    return rel !== '' && !rel.startsWith('..') && rel.includes(path.sep);
  };
  try {
    // Depth 2 reaches the heartbeats of hosts that name themselves (agents/<host>/agent-N/); an agent's
    // logs, prompts and stage files change all the time and say nothing the status shows.
    const watcher = chokidarWatch([layout.queue, layout.agents, layout.events], {
      ignoreInitial: true,
      depth: 2,
      ignored: (p: string) => path.basename(p).startsWith('.') || insideStateFolder(p) || AGENT_CHATTER.has(path.basename(p)),
    });
    watcher.on('all', onChange);
    watcher.on('error', () => undefined);
    return watcher;
  } catch {
    return undefined;
  }
}
