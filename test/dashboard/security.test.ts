// The request checks of the dashboard, as pure functions: Host (DNS rebinding), token, method, CSRF.
import { describe, expect, it } from 'vitest';
import { allowedHosts, checkRequest, cookieValue, csrfFor, headerToken, makeGuard } from '../../src/dashboard/security.js';
import { redact, secretValues } from '../../src/dashboard/redact.js';

const guard = makeGuard('127.0.0.1', 4321, 'T'.repeat(32));
const ok = { method: 'GET', host: '127.0.0.1:4321', cookieToken: guard.token };

describe('dashboard request checks', () => {
  it('answers to the bound address and its loopback names only', () => {
    expect(allowedHosts('127.0.0.1', 4321)).toEqual(['127.0.0.1:4321', 'localhost:4321', '[::1]:4321']);
    expect(allowedHosts('192.168.1.5', 80)).toEqual(['192.168.1.5:80']);
    expect(checkRequest({ ...ok, host: 'LOCALHOST:4321' }, guard)).toEqual({ ok: true });
    for (const host of ['evil.example:4321', '127.0.0.1:80', undefined]) {
      expect(checkRequest({ ...ok, host }, guard)).toMatchObject({ ok: false, status: 403 });
    }
  });

  it('needs the token from the URL, a header or the cookie; a foreign Host is refused before the token is looked at', () => {
    expect(checkRequest({ method: 'GET', host: ok.host }, guard)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest({ method: 'GET', host: ok.host, cookieToken: 'wrong' }, guard)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest({ method: 'GET', host: ok.host, queryToken: guard.token }, guard).ok).toBe(true);
    expect(checkRequest({ method: 'GET', host: ok.host, headerToken: guard.token }, guard).ok).toBe(true);
    expect(checkRequest({ method: 'GET', host: 'evil.example' }, guard)).toMatchObject({ status: 403 });
  });

  it('takes actions by POST with the CSRF token and an Origin of its own', () => {
    const post = { ...ok, method: 'POST', csrf: guard.csrf };
    expect(checkRequest(post, guard).ok).toBe(true);
    expect(checkRequest({ ...post, origin: 'http://127.0.0.1:4321' }, guard).ok).toBe(true);
    expect(checkRequest({ ...post, origin: 'http://evil.example' }, guard)).toMatchObject({ status: 403 });
    expect(checkRequest({ ...post, csrf: undefined }, guard)).toMatchObject({ status: 403 });
    expect(checkRequest({ ...post, csrf: csrfFor('another token') }, guard)).toMatchObject({ status: 403 });
    expect(checkRequest({ ...post, method: 'DELETE' }, guard)).toMatchObject({ status: 405 });
  });

  it('reads the cookie and the bearer header', () => {
    expect(cookieValue('a=1; pl_token=abc%3D; b=2', 'pl_token')).toBe('abc=');
    expect(cookieValue(undefined, 'pl_token')).toBeUndefined();
    expect(headerToken('Bearer xyz', undefined)).toBe('xyz');
    expect(headerToken(undefined, 'custom')).toBe('custom');
  });

  it('takes the values of secret-looking variables out of what it sends', () => {
    const secrets = secretValues({ ANTHROPIC_API_KEY: 'sk-ant-1234567890', GITHUB_TOKEN: 'ghp_abcdefgh', HOME: '/root', SHORT_KEY: 'abc' });
    expect(secrets.sort()).toEqual(['ghp_abcdefgh', 'sk-ant-1234567890']);
    expect(redact('key sk-ant-1234567890 and ghp_abcdefgh in /root', secrets)).toBe('key [redacted] and [redacted] in /root');
  });
});
