// The fake Messages API itself, so a failing e2e test points at the CLI side, not the fixture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_USAGE, startFakeAnthropic, type FakeAnthropic } from '../fixtures/fake-anthropic.mjs';

let api: FakeAnthropic;
const logged: string[] = [];
beforeAll(async () => {
  api = await startFakeAnthropic({ log: (line) => logged.push(line) });
});
afterAll(() => api.close());

const body = (stream: boolean, messages: unknown[]) => ({
  model: 'claude-test',
  stream,
  system: [{ type: 'text', text: 'Env\n - Primary working directory: /work/repo' }],
  tools: [{ name: 'Write' }],
  messages,
});
const post = (path: string, value: unknown) => fetch(`${api.url}${path}`, { method: 'POST', body: JSON.stringify(value) });

describe('fake Anthropic API', () => {
  it('answers a WRITE_FILE prompt with a Write tool call in the announced directory', async () => {
    const res = await post('/v1/messages', body(false, [{ role: 'user', content: 'WRITE_FILE: a.txt CONTENT: hi there' }]));
    const message = (await res.json()) as { content: Array<Record<string, unknown>>; stop_reason: string; usage: Record<string, number> };
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'Write', input: { file_path: '/work/repo/a.txt', content: 'hi there\n' } });
    expect(message.usage).toMatchObject(FAKE_USAGE);
  });

  it('streams the same answer as server-sent events, tool input in pieces', async () => {
    const res = await post('/v1/messages', body(true, [{ role: 'user', content: 'WRITE_FILE: a.txt CONTENT: hi' }]));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = (await res.text()).trim().split('\n\n').map((chunk) => chunk.split('\n')[0]!.replace('event: ', ''));
    expect(events).toEqual([
      'message_start', 'ping',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
  });

  it('says done once the tool result comes back', async () => {
    const messages = [
      { role: 'user', content: 'WRITE_FILE: a.txt CONTENT: hi' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Write', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
    ];
    const message = (await (await post('/v1/messages', body(false, messages))).json()) as { content: unknown[]; stop_reason: string };
    expect(message).toMatchObject({ content: [{ type: 'text', text: 'done' }], stop_reason: 'end_turn' });
  });

  it('answers 429 for RATE_LIMIT, counts tokens, and logs paths it does not know', async () => {
    const limited = await post('/v1/messages', body(false, [{ role: 'user', content: 'RATE_LIMIT' }]));
    expect(limited.status).toBe(429);
    expect(await (await post('/v1/messages/count_tokens', {})).json()).toEqual({ input_tokens: FAKE_USAGE.input_tokens });
    expect((await fetch(`${api.url}/v1/models`)).status).toBe(404);
    expect(logged).toEqual(['fake-anthropic: unhandled GET /v1/models']);
    expect(api.requests.map((r) => r.path)).toContain('/v1/messages/count_tokens');
  });
});
