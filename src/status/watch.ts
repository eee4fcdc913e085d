import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { Layout } from '../queue/layout.js';
import { colorEnabled } from './color.js';
import type { DigestState } from './event-cache.js';
import { formatTable, summaryLine } from './format.js';
import { statusPass, type PassOptions } from './pass.js';
import type { Status } from './types.js';

/** Options of the live view; pass options apply to every pass. */
export interface WatchOptions extends Omit<PassOptions, 'previous' | 'now'> {
  /** Redraw at least this often, even when no file changed (times keep moving). Default 1000 ms. */
  intervalMs?: number;
  /** Wait this long after a file change before a pass, so a burst of changes costs one. Default 100 ms. */
  debounceMs?: number;
  /** Print one JSON document per change instead of the table or summary line. */
  json?: boolean;
  /** Where to draw. Default process.stdout. */
  out?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  /** Stops the loop; the terminal is restored before the promise resolves. */
  signal: AbortSignal;
}

const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

/**
 * Live status until `signal` aborts. On a terminal: the table on the alternate screen, redrawn in
 * place and cut to the window. Otherwise (a pipe, a file, `--json`): one line per change, appended.
 * Woken by chokidar on the queue, the agents' heartbeats and the event log, and by a timer, because
 * watchers miss events (the timer is what guarantees the view catches up).
 */
export async function watchStatus(layout: Layout, options: WatchOptions): Promise<void> {
  const out = options.out ?? process.stdout;
  const screen = out.isTTY === true && !options.json;
  const color = colorEnabled(options.env ?? process.env, out.isTTY === true);
  let digest: DigestState | undefined;
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const draw = (status: Status) => {
    if (screen) {
      const lines = formatTable(status, { width: out.columns || 80, height: out.rows || 24, color });
      out.write(HOME + lines.map((l) => l + CLEAR_LINE_END).join('\n') + CLEAR_BELOW);
      return;
    }
    // Only what changed is worth a line: the summary leaves out the clock so a quiet queue stays quiet.
    const key = summaryLine(status).slice(9);
    if (key === last) return;
    last = key;
    out.write((options.json ? JSON.stringify(status) : summaryLine(status)) + '\n');
  };
  const pass = async () => {
    const result = await statusPass(layout, { ...options, previous: digest });
    digest = result.digest;
    if (!options.signal.aborted) draw(result.status);
  };
  // Passes never overlap: a change during a pass asks for one more pass after it.
  const run = () => {
    if (options.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err: unknown) => {
        out.write(`status: ${err instanceof Error ? err.message : String(err)}\n`);
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(run, options.debounceMs ?? 100);
  };

  if (screen) out.write(ENTER);
  const restore = () => screen && out.write(LEAVE);
  const watcher = startWatcher(layout, soon);
  const tick = setInterval(run, options.intervalMs ?? 1000);
  const onResize = () => run();
  out.on('resize', onResize);
  try {
    run();
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) return resolve();
      options.signal.addEventListener('abort', () => resolve(), { once: true });
      // A closed pipe (`| head`) ends the view the way Ctrl-C does.
      out.once('error', () => resolve());
    });
  } finally {
    clearInterval(tick);
    clearTimeout(timer);
    out.off('resize', onResize);
    await watcher?.close().catch(() => undefined);
    await running;
    restore();
  }
}

// Watch only the few places that change when work moves: the inbox, heartbeats and the log. Not
// worktrees (whole checkouts), claims/ (a folder per task ever run) or done/ (thousands of files):
// every move between those folders also appends to the log. Dotfiles are temp files of atomic writes.
function startWatcher(layout: Layout, onChange: () => void): FSWatcher | undefined {
  const insideStateFolder = (p: string) => {
    const rel = path.relative(layout.queue, p);
    return rel !== '' && !rel.startsWith('..') && rel.includes(path.sep);
  };
  try {
    const watcher = chokidarWatch([layout.queue, layout.agents, layout.events], {
      ignoreInitial: true,
      depth: 1,
      ignored: (p: string) => path.basename(p).startsWith('.') || insideStateFolder(p),
    });
    watcher.on('all', onChange);
    watcher.on('error', () => undefined);
    return watcher;
  } catch {
    return undefined;
  }
}
