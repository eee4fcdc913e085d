import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isPlError, PlError } from '../errors.js';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';
import { loadConfigFile } from '../config/load.js';
import { resolveOptions } from '../config/validate.js';
import type { Layout } from '../queue/layout.js';
import { QueueStore } from '../queue/store.js';
import { statusPass } from '../status/pass.js';
import { runAction } from './actions.js';
import { taskDetail, taskDiff, taskPage, Titles } from './api.js';
import { followLog } from './log-stream.js';
import { LiveBoard } from './live.js';
import { redact, secretValues } from './redact.js';
import { checkRequest, cookieValue, headerToken, makeGuard, newToken, type Guard } from './security.js';
import { planQueue } from '../schedule/queue-plan.js';

/** How to serve the dashboard. */
export interface DashboardOptions {
  /** Address to bind. Default 127.0.0.1; anything else is reachable from other machines. */
  host?: string;
  /** Port; 0 (the default) takes a free one. */
  port?: number;
  /** Live passes while agents work. Default 1000 ms. */
  intervalMs?: number;
  /** Live passes while nothing runs; a file change still wakes the loop. Default 10,000 ms. */
  idleIntervalMs?: number;
  /** Values of these variables' secret-looking names are never sent. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A dashboard being served. */
export interface Dashboard {
  /** `http://127.0.0.1:PORT/?token=…`: the address to open. */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

// Named from dist/ down, so the bundle's chunk that holds this module finds it too (scripts/bundle.js).
const PAGE_DIR = fileURLToPath(new URL('../dashboard/page/', import.meta.url));
const STATIC: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/charts.js': 'charts.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // The URL holds the token: it must not leave in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Serve the dashboard of the queue and state folders of `layout` until `close()`. Reads only those
 * folders (like `status`), so it works with or without a run going. Every request is checked by
 * `checkRequest` (token, Host, CSRF) before anything else happens.
 */
export async function startDashboard(layout: Layout, options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const store = new QueueStore(layout);
  const titles = new Titles(store);
  const secrets = secretValues(options.env ?? process.env);
  const encode = (value: unknown) => redact(JSON.stringify(value), secrets);
  const config = resolveOptions(loadConfigFile(layout.config), {});
  const live = new LiveBoard(layout, titles, {
    intervalMs: options.intervalMs ?? 1000,
    idleIntervalMs: options.idleIntervalMs ?? 10_000,
    staleMs: Math.max(3 * config.heartbeatMs, 2000),
    encode,
  });
  let guard: Guard | undefined;
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, err));
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const queryToken = url.searchParams.get('token') ?? undefined;
    const verdict = checkRequest(
      {
        method: req.method ?? 'GET',
        host: req.headers.host,
        origin: req.headers.origin,
        queryToken,
        headerToken: headerToken(req.headers.authorization, one(req.headers['x-dashboard-token'])),
        cookieToken: cookieValue(req.headers.cookie, 'pl_token'),
        csrf: one(req.headers['x-csrf-token']),
      },
      guard!,
    );
    if (!verdict.ok) return json(res, verdict.status, { error: { code: verdict.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message: verdict.message } });
    const route = url.pathname;
    if (req.method === 'POST') return post(req, res, route);
    const file = STATIC[route];
    if (file) {
      // The cookie carries the token from here on, so the page's own requests need no token in their URL.
      const cookie = queryToken ? { 'Set-Cookie': `pl_token=${encodeURIComponent(queryToken)}; HttpOnly; SameSite=Strict; Path=/` } : {};
      res.writeHead(200, { ...HEADERS, ...cookie, 'Content-Type': TYPES[file.split('.').pop()!]! });
      return res.end(fs.readFileSync(PAGE_DIR + file));
    }
    if (route === '/api/session') return json(res, 200, { csrf: guard!.csrf, repo: layout.repo });
    if (route === '/api/live') return live.attach(res);
    if (route === '/api/board') return json(res, 200, live.board && live.status ? live.board : live.update((await statusPass(layout, { write: false })).status));
    if (route === '/api/status') return json(res, 200, live.status ?? (await statusPass(layout, { write: false })).status);
    if (route === '/api/timeline') return json(res, 200, live.timelineNow());
    if (route === '/api/plan') return json(res, 200, planQueue(layout, {}));
    if (route === '/api/tasks') {
      const state = url.searchParams.get('state') ?? 'done';
      if (!['inbox', 'running', 'done', 'failed', 'rejected'].includes(state)) throw new PlError('BAD_OPTION', `Expected state to be inbox, running, done, failed or rejected, got \`${state}\``);
      const offset = count(url.searchParams.get('offset'), 0);
      const limit = Math.min(count(url.searchParams.get('limit'), 50), 500);
      return json(res, 200, taskPage(store, titles, state as 'done', offset, limit));
    }
    const task = /^\/api\/tasks\/([^/]+)(\/diff|\/log)?$/.exec(route);
    if (task) {
      const id = decodeURIComponent(task[1]!);
      const detail = taskDetail(store, id);
      if (!detail) throw new PlError('TASK_NOT_FOUND', `No task \`${id}\` in ${layout.queue} (inbox, running/, done/ or failed/).`);
      if (task[2] === '/diff') return json(res, 200, await taskDiff(store, detail, config.target));
      if (task[2] === '/log') return followLog(store, id, count(url.searchParams.get('gen'), -1), res, (line) => redact(line, secrets));
      return json(res, 200, detail);
    }
    json(res, 404, { error: { code: 'NOT_FOUND', message: `No page ${route}` } });
  };

  const post = async (req: IncomingMessage, res: ServerResponse, route: string) => {
    const body = await readBody(req);
    const m = /^\/api\/(tasks|agents)\/([^/]+)\/(retry|cancel|kill)$/.exec(route);
    if (m) return json(res, 200, await runAction(store, m[3]!, decodeURIComponent(m[2]!), body));
    if (route === '/api/tasks') return json(res, 200, await runAction(store, 'add', '', body));
    json(res, 404, { error: { code: 'NOT_FOUND', message: `No action ${route}` } });
  };

  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { ...HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(encode(value));
  };
  const fail = (res: ServerResponse, err: unknown) => {
    if (res.headersSent) return res.end();
    if (isPlError(err)) {
      const status = err.code.endsWith('NOT_FOUND') ? 404 : err.code === 'TASK_BUSY' ? 409 : 400;
      return json(res, status, { error: { code: err.code, message: err.message, details: err.details } });
    }
    json(res, 500, { error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new PlError('BAD_OPTION', `Cannot serve the dashboard on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err })));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // Past start-up an error of the listening socket (EMFILE, …) is reported, not thrown at the process.
  server.on('error', (err) => process.stderr.write(`parallel-loop dashboard: ${err.message}\n`));
  guard = makeGuard(host, port, dashboardToken(layout));
  const shown = host.includes(':') ? `[${host}]` : host;
  const announced = announce(layout, `http://${shown}:${port}/`);
  return {
    url: `http://${shown}:${port}/?token=${guard.token}`,
    host,
    port,
    token: guard.token,
    close: async () => {
      announced.withdraw();
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Say where the page is (`dashboard.json`, without the token) while it is served, so notifications can
 * link to it; only where the state folder exists, and withdrawn on close unless another server took over.
 */
function announce(layout: Layout, url: string): { withdraw(): void } {
  if (!fs.existsSync(layout.state)) return { withdraw: () => undefined };
  const record = { url, pid: process.pid };
  try {
    writeJsonAtomic(layout.dashboard, record);
  } catch {
    return { withdraw: () => undefined };
  }
  return {
    withdraw: () => {
      if (readJsonOrUndefined<{ pid?: number }>(layout.dashboard)?.pid === process.pid) fs.rmSync(layout.dashboard, { force: true });
    },
  };
}

/**
 * The token, kept in `.parallel-loop/dashboard-token` (mode 0600) so a restarted server takes the
 * same one and open pages reconnect by themselves. Where nothing has run (no state folder) it is
 * not written: status and the dashboard never create the state folder.
 */
function dashboardToken(layout: Layout): string {
  const file = layout.dashboardToken;
  try {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(kept)) return kept;
  } catch {
    // none yet
  }
  const token = newToken();
  if (fs.existsSync(layout.state)) {
    try {
      fs.writeFileSync(file + '.tmp', token + '\n', { mode: 0o600 });
      fs.renameSync(file + '.tmp', file);
    } catch {
      // A read-only state folder: this server's token only.
    }
  }
  return token;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function count(text: string | null, fallback: number): number {
  const n = text === null ? NaN : Number(text);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PlError('BAD_OPTION', `Expected a request body of at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new PlError('BAD_OPTION', 'Expected the request body to be a JSON object');
}
