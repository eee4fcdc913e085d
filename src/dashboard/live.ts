import type { ServerResponse } from 'node:http';
import type { Layout } from '../queue/layout.js';
import { statusLoop, type StatusLoop } from '../status/loop.js';
import type { Status } from '../status/types.js';
import { boardView, type BoardView } from './board.js';
import type { Titles } from './api.js';
import { emptyTimeline, loadTimeline, timelineView, type TimelineState, type TimelineView } from './timeline.js';

export interface LiveOptions {
  /** Timed passes while agents work. Default 1000 ms. */
  intervalMs: number;
  /** Timed passes while nothing runs (a change still wakes the loop). Default 10,000 ms. */
  idleIntervalMs: number;
  /** A heartbeat older than this is marked stale. */
  staleMs: number;
  /** Everything sent goes through this (secrets taken out). */
  encode: (value: unknown) => string;
}

/**
 * Server-sent events for every open page, fed by the loop `status --watch` runs. The loop runs only
 * while a page is open: a dashboard nobody looks at reads nothing. Each pass sends the board; the
 * timeline is sent when the event log grew.
 */
export class LiveBoard {
  private clients = new Set<ServerResponse>();
  private loop: { stop: AbortController; loop: StatusLoop } | undefined;
  private timeline: TimelineState = emptyTimeline();
  private timelineSent = -1;
  board: BoardView | undefined;
  status: Status | undefined;

  constructor(
    private readonly layout: Layout,
    private readonly titles: Titles,
    private readonly options: LiveOptions,
  ) {}

  /** Take a request for `/api/live` and keep it open. */
  attach(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    // A reconnecting page waits this long; the server restarting is the usual reason.
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    if (this.board) this.send(res, 'board', this.board);
    this.send(res, 'timeline', this.timelineNow());
    if (this.loop) this.loop.loop.wake();
    else this.start();
  }

  /** The board now: the last pass's when a page keeps the loop going, else one pass of its own. */
  update(status: Status): BoardView {
    this.status = status;
    this.board = boardView(status, this.titles.reader(), this.options.staleMs);
    return this.board;
  }

  timelineNow(): TimelineView {
    this.timeline = loadTimeline(this.layout.events, this.timeline);
    return timelineView(this.timeline, Date.now());
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stop();
  }

  private start(): void {
    const stop = new AbortController();
    const loop = statusLoop(this.layout, {
      write: false,
      intervalMs: this.options.intervalMs,
      idleIntervalMs: this.options.idleIntervalMs,
      signal: stop.signal,
      onStatus: (status) => {
        const board = this.update(status);
        for (const res of this.clients) this.send(res, 'board', board);
        const view = this.timelineNow();
        if (this.timeline.offset !== this.timelineSent) {
          this.timelineSent = this.timeline.offset;
          for (const res of this.clients) this.send(res, 'timeline', view);
        }
      },
    });
    this.loop = { stop, loop };
  }

  private stop(): void {
    this.loop?.stop.abort();
    this.loop = undefined;
    this.timelineSent = -1;
  }

  private send(res: ServerResponse, event: string, value: unknown): void {
    res.write(`event: ${event}\ndata: ${this.options.encode(value)}\n\n`);
  }
}
