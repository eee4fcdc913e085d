// Notifications during a real `run --once` of shell tasks: a local HTTP receiver and a command hook each get
// every chosen event once, with its fields; hooks that hang or never answer neither stop nor hold up the run.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';
import { killProcessesIn, readEvents, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';

const hookScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/notify-hook.mjs');

let repo = '';
const servers: http.Server[] = [];
afterEach(async () => {
  killProcessesIn(repo);
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A receiver on 127.0.0.1 (port 0); `answer: false` takes the request and never answers. */
async function receiver(answer = true): Promise<{ url: string; bodies: Record<string, unknown>[] }> {
  const bodies: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      bodies.push({ ...(JSON.parse(text) as Record<string, unknown>), contentType: req.headers['content-type'], method: req.method });
      if (answer) res.end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { args: string[]; stdin: Record<string, unknown>; envKind: string }) : []);

function alive(pid: number): boolean {
  try {
    const state = /\) (\S)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== 'Z';
  } catch {
    return false;
  }
}

function shellTasks(): void {
  writeTask(repo, 'breaks', { agent: 'shell', run: 'echo nope >&2; exit 1', maxAttempts: 1 });
  writeTask(repo, 'lands-a', { agent: 'shell', run: 'echo a > a.txt' });
  writeTask(repo, 'lands-b', { agent: 'shell', run: 'echo b > b.txt' });
}

describe('run: notifications', () => {
  it('with land: branch, says once per task that its branch waits for a review', async () => {
    repo = tmpRepo();
    const web = await receiver();
    writeTask(repo, 'lands-a', { agent: 'shell', run: 'echo a > a.txt' });
    writeTask(repo, 'lands-b', { agent: 'shell', run: 'echo b > b.txt' });
    writeConfig(repo, { notify: { on: ['needs-review'], webhooks: [web.url] } });
    const result = await runCli(repo, ['run', '--once', '--agents', '2', '--rescan-ms', '100', '--land', 'branch']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const got = web.bodies.map((b) => [b.kind, b.task, String(b.title)]).sort();
    expect(got).toEqual([
      ['needs-review', 'lands-a', expect.stringMatching(/^task lands-a waits for your review on pl\/lands-a\/1$/)],
      ['needs-review', 'lands-b', expect.stringMatching(/^task lands-b waits for your review on pl\/lands-b\/1$/)],
    ]);
  });

  it('sends each chosen event once to a webhook and a command, with its task, reason and the dashboard link', async () => {
    repo = tmpRepo();
    const web = await receiver();
    const out = path.join(tmpDir(), 'hook.jsonl');
    shellTasks();
    fs.mkdirSync(path.join(repo, '.parallel-loop'), { recursive: true });
    fs.writeFileSync(path.join(repo, '.parallel-loop', 'dashboard.json'), JSON.stringify({ url: 'http://127.0.0.1:4321/' }));
    writeConfig(repo, { notify: { on: ['failed', 'drained'], webhooks: [web.url], commands: [[process.execPath, hookScript, out, '{kind}', '{task}']], timeoutMs: 10_000 } });
    const result = await runCli(repo, ['run', '--once', '--agents', '2', '--rescan-ms', '100', '--max-attempts', '1']);

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(tasksIn(repo, 'failed')).toEqual(['breaks.json']);
    expect(tasksIn(repo, 'done')).toEqual(['lands-a.json', 'lands-b.json']);
    const runId = readEvents(repo).find((e) => e.type === 'drained')?.agent;
    expect(runId).toMatch(/^sup-/);
    const expected = [
      { kind: 'failed', task: 'breaks', title: 'task breaks failed', link: 'http://127.0.0.1:4321/', run: runId },
      { kind: 'drained', task: null, reason: 'nothing waits in the inbox and nothing runs', title: 'the queue is drained', link: 'http://127.0.0.1:4321/', run: runId },
    ];
    expect(web.bodies).toEqual(expected.map((e) => expect.objectContaining({ ...e, method: 'POST', contentType: 'application/json' })));
    expect(String(web.bodies[0]!.reason)).toContain('exit');
    for (const b of web.bodies) expect(Date.parse(String(b.at))).not.toBeNaN();
    const ran = lines(out);
    expect(ran.map((r) => r.args)).toEqual([['failed', 'breaks'], ['drained', '']]);
    expect(ran.map((r) => r.envKind)).toEqual(['failed', 'drained']);
    expect(ran.map((r) => r.stdin)).toEqual(expected.map((e) => expect.objectContaining(e)));
    expect(readEvents(repo).filter((e) => e.type === 'notify-failed')).toEqual([]);
  });

  it('lets a hook that hangs and a receiver that never answers time out, logged, while every task lands', async () => {
    repo = tmpRepo();
    const silent = await receiver(false);
    const web = await receiver();
    const pids = path.join(tmpDir(), 'pids');
    shellTasks();
    const hang = ['/bin/sh', '-c', 'sleep 60 & echo $! >> "$0"; wait', pids];
    writeConfig(repo, { notify: { on: ['failed', 'drained'], webhooks: [silent.url, web.url], commands: [hang], timeoutMs: 1000, maxInFlight: 6 } });
    const result = await runCli(repo, ['run', '--once', '--agents', '2', '--rescan-ms', '100', '--max-attempts', '1']);

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(tasksIn(repo, 'done')).toEqual(['lands-a.json', 'lands-b.json']);
    expect(web.bodies.map((b) => b.kind)).toEqual(['failed', 'drained']);
    expect(silent.bodies.map((b) => b.kind)).toEqual(['failed', 'drained']);
    const failed = readEvents(repo).filter((e) => e.type === 'notify-failed');
    expect(failed.map((e) => [e.hook, e.kind])).toEqual(expect.arrayContaining([['/bin/sh', 'failed'], ['/bin/sh', 'drained'], [silent.url, 'failed'], [silent.url, 'drained']]));
    expect(failed).toHaveLength(4);
    expect(failed.every((e) => /timed out|no answer/.test(String(e.reason)))).toBe(true);
    expect(result.stderr).toContain(`notification failed of breaks to ${silent.url} failed`);
    const started = fs.readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(started).toHaveLength(2);
    for (const pid of started) expect(alive(pid), `sleep ${pid} still runs`).toBe(false);
  });

  it('reports a hook that exits non-zero, and sends from the in-process worker of --single', async () => {
    repo = tmpRepo();
    const web = await receiver();
    shellTasks();
    writeConfig(repo, { notify: { on: ['failed'], webhooks: [web.url], commands: [['/bin/sh', '-c', 'exit 7']] } });
    const result = await runCli(repo, ['run', '--once', '--single', '--rescan-ms', '100', '--max-attempts', '1']);

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(web.bodies.map((b) => [b.kind, b.task, b.link])).toEqual([['failed', 'breaks', null]]);
    const failed = readEvents(repo).filter((e) => e.type === 'notify-failed');
    expect(failed.map((e) => [e.hook, e.kind, e.task, e.reason])).toEqual([['/bin/sh', 'failed', 'breaks', 'exited with code 7']]);
  });

  it('--notify-desktop runs notify-send when it is on PATH, and says once that it is missing otherwise', async () => {
    repo = tmpRepo();
    const bin = tmpDir();
    const out = path.join(tmpDir(), 'desktop');
    fs.writeFileSync(path.join(bin, 'notify-send'), `#!/bin/sh\nprintf '%s|' "$@" >> ${JSON.stringify(out)}\necho >> ${JSON.stringify(out)}\n`, { mode: 0o755 });
    shellTasks();
    writeConfig(repo, { notify: { on: ['failed'] } });
    const shown = await runCli(repo, ['run', '--once', '--agents', '1', '--rescan-ms', '100', '--max-attempts', '1', '--notify-desktop'], { PATH: `${bin}:${process.env.PATH}` });
    expect(shown.code, shown.stdout + shown.stderr).toBe(1);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^--app-name=parallel-loop\|parallel-loop: task breaks failed\|.*exit/);

    fs.rmSync(path.join(bin, 'notify-send'));
    writeTask(repo, 'again', { agent: 'shell', run: 'exit 1', maxAttempts: 1 });
    const missing = await runCli(repo, ['run', '--once', '--agents', '1', '--rescan-ms', '100', '--notify-desktop'], { PATH: `${bin}:${process.env.PATH}` });
    expect(missing.stdout.split('notify-send is not on PATH')).toHaveLength(2);
  });
});
