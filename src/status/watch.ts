import type { Layout } from '../queue/layout.js';
import { colorEnabled } from './color.js';
import { formatTable, summaryLine } from './format.js';
import { statusLoop, type LoopOptions } from './loop.js';
import type { Status } from './types.js';

/** Options of the live view; pass options apply to every pass. */
export interface WatchOptions extends Omit<LoopOptions, 'onStatus' | 'onError'> {
  /** Print one JSON document per change instead of the table or summary line. */
  json?: boolean;
  /** Where to draw. Default process.stdout. */
  out?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
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
  let last = '';

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

  if (screen) out.write(ENTER);
  // A closed pipe (`| head`) ends the view the way Ctrl-C does.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) stop.abort();
  const onError = () => stop.abort();
  out.once('error', onError);
  const loop = statusLoop(layout, {
    ...options,
    signal: stop.signal,
    onStatus: draw,
    onError: (err) => out.write(`status: ${err instanceof Error ? err.message : String(err)}\n`),
  });
  const onResize = () => loop.wake();
  out.on('resize', onResize);
  try {
    await loop.done;
  } finally {
    out.off('resize', onResize);
    out.off('error', onError);
    options.signal.removeEventListener('abort', onAbort);
    if (screen) out.write(LEAVE);
  }
}
