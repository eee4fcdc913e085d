import http from 'node:http';
import https from 'node:https';

/**
 * POST `body` as JSON to `url`; resolves once a 2xx answer arrived, rejects on anything else. The
 * whole exchange (connect, send, answer) has `timeoutMs`: a receiver that never answers is cut off then.
 */
export function postJson(url: string, body: unknown, timeoutMs: number): Promise<void> {
  const payload = Buffer.from(JSON.stringify(body));
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': payload.length, 'user-agent': 'parallel-loop' },
      // No keep-alive: a pooled socket would hold the run's event loop open after its last hook.
      agent: false,
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    request.on('response', (response) => {
      // Only the status matters; the body is read and dropped so the socket can close.
      response.resume();
      response.on('error', () => undefined);
      response.on('end', () => {
        clearTimeout(timer);
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`answered HTTP ${status}`));
      });
    });
    request.end(payload);
  });
}
