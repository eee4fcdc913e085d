import type { ServerResponse } from 'node:http';
import { renderLogLine } from '../agents/render-log.js';
import { PlError } from '../errors.js';
import { attemptLogs, attemptOver } from '../queue/attempt-logs.js';
import type { QueueStore } from '../queue/store.js';
import { readLines } from '../util/follow-file.js';

/**
 * `/api/tasks/<id>/log?gen=N`: an attempt's agent log as server-sent events, one `line` per rendered
 * line (as `parallel-loop logs` shows it), following while the attempt runs, then `end`. Without
 * `gen`, the newest attempt. Stops when the page goes away.
 */
export async function followLog(store: QueueStore, task: string, gen: number, res: ServerResponse, clean: (line: string) => string): Promise<void> {
  const logs = attemptLogs(store, task);
  const log = gen >= 0 ? logs.find((l) => l.gen === gen) : logs.at(-1);
  if (!log) throw new PlError('NO_LOG', `No log to show: task \`${task}\` has no attempt log${gen >= 0 ? ` for generation ${gen}` : ' yet'}`);
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  const stop = new AbortController();
  res.on('close', () => stop.abort());
  res.write(`event: start\ndata: ${JSON.stringify({ gen: log.gen, agent: log.agentId, live: log.live })}\n\n`);
  const onLine = (raw: string) => {
    const line = renderLogLine(raw);
    if (line !== undefined) res.write(`data: ${JSON.stringify(clean(line))}\n\n`);
  };
  await readLines(log.file, { onLine, follow: log.live ? { until: () => attemptOver(store, task, log.gen), signal: stop.signal } : undefined });
  // An attempt that ended: the page keeps what it got and does not reconnect.
  if (!stop.signal.aborted) res.end('event: end\ndata: {}\n\n');
}
