import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a request's checks look at, taken from it by the server. */
export interface RequestFacts {
  method: string;
  /** The `Host` header. */
  host?: string;
  /** The `Origin` header, sent by browsers on POST. */
  origin?: string;
  /** `?token=` of the URL. */
  queryToken?: string;
  /** `Authorization: Bearer <token>` or `X-Dashboard-Token`. */
  headerToken?: string;
  /** The `pl_token` cookie. */
  cookieToken?: string;
  /** The `X-CSRF-Token` header. */
  csrf?: string;
}

/** The secrets of one server, and the `Host` values it answers to. */
export interface Guard {
  token: string;
  csrf: string;
  /** `host:port` values, lower case. */
  hosts: string[];
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403 | 405; message: string };

/** The token (random unless given) and its CSRF token for a server bound to `host`:`port`. */
export function makeGuard(host: string, port: number, token = newToken()): Guard {
  return { token, csrf: csrfFor(token), hosts: allowedHosts(host, port) };
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The CSRF token the page sends back with every action; derived, so it cannot be guessed without the token. */
export function csrfFor(token: string): string {
  return createHmac('sha256', token).update('parallel-loop dashboard csrf').digest('base64url');
}

/** What `Host` may say: the bound address, and `localhost` for a loopback one. Names of other hosts are refused. */
export function allowedHosts(host: string, port: number): string[] {
  const names = [host.includes(':') && !host.startsWith('[') ? `[${host}]` : host];
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost') names.push('127.0.0.1', 'localhost', '[::1]');
  return [...new Set(names)].map((n) => `${n.toLowerCase()}:${port}`);
}

/**
 * Whether a request may go on. In this order: a `Host` that is not the bound address is refused
 * (403: a page of another site reaching us through DNS rebinding); then the token, from the URL, a
 * header or the cookie (401 without it); then, for anything but GET and HEAD, POST only (405), an
 * `Origin` of our own when there is one and the CSRF header (403). Pure.
 */
export function checkRequest(facts: RequestFacts, guard: Guard): Verdict {
  const host = facts.host?.toLowerCase();
  if (!host || !guard.hosts.includes(host)) return { ok: false, status: 403, message: `Host ${facts.host ?? '(none)'} is not this dashboard's address` };
  const given = facts.queryToken ?? facts.headerToken ?? facts.cookieToken;
  if (!given || !same(given, guard.token)) return { ok: false, status: 401, message: 'the dashboard token is missing or wrong: open the URL that `parallel-loop dashboard` printed' };
  if (facts.method === 'GET' || facts.method === 'HEAD') return { ok: true };
  if (facts.method !== 'POST') return { ok: false, status: 405, message: `${facts.method} is not allowed; actions are POST` };
  if (facts.origin !== undefined && !guard.hosts.some((h) => facts.origin === `http://${h}`)) {
    return { ok: false, status: 403, message: `Origin ${facts.origin} is not this dashboard` };
  }
  if (!facts.csrf || !same(facts.csrf, guard.csrf)) return { ok: false, status: 403, message: 'the CSRF token is missing or wrong: reload the page' };
  return { ok: true };
}

/** The value of one cookie in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The token in `Authorization: Bearer …` or `X-Dashboard-Token`. */
export function headerToken(authorization: string | undefined, custom: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return bearer ?? custom;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
