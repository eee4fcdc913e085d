// The dashboard in a real headless Chromium: counts agree with `status --json`, the add form says
// what `add` says, task text is shown as text, and requests without the token or with another Host
// are refused.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { layoutFor } from '../../src/queue/layout.js';
import { haveChromium, launchChromium, reportMissingChromium } from '../helpers/browser.js';
import { runCli, startCli, writeTask } from '../helpers/run-cli.js';
import { initRepo, tmpDir, tmpRepo } from '../helpers/tmp.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/status-run');
reportMissingChromium();

let browser: Browser;
beforeAll(async () => {
  if (haveChromium) browser = await launchChromium();
}, 30_000);
afterAll(async () => browser?.close());

function copyOfFixture(): string {
  const repo = tmpDir('pl-dash-fixture-');
  fs.cpSync(path.join(fixture, 'state', 'queue'), path.join(repo, 'queue'), { recursive: true });
  fs.cpSync(path.join(fixture, 'state', 'parallel-loop'), path.join(repo, '.parallel-loop'), { recursive: true });
  return initRepo(repo);
}

function request(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('dashboard page', () => {
  it.skipIf(!haveChromium)('shows the counts `status --json` gives for the same finished run', async () => {
    const repo = copyOfFixture();
    const status = JSON.parse((await runCli(repo, ['status', '--json'])).stdout) as { counts: Record<string, number>; queued: { total: number } };
    const dashboard = await startDashboard(layoutFor(repo));
    try {
      const page = await browser.newPage();
      await page.goto(dashboard.url);
      await page.locator('[data-count="done"]').waitFor();
      const shown = await page.$$eval('[data-count]', (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.count!, Number(e.textContent)])));
      expect(shown).toEqual({ queued: status.queued.total, inbox: status.counts.inbox, running: status.counts.running, landing: status.counts.landing, done: status.counts.done, failed: status.counts.failed, rejected: status.counts.rejected });
      const columns = await page.$$eval('[data-column-count]', (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.columnCount!, Number(e.textContent)])));
      expect(columns.queued).toBe(status.queued.total);
      expect(columns.implementing! + columns.review! + columns.testing! + columns.landing!).toBe(status.counts.running + status.counts.landing);
      expect(columns.done).toBe(status.counts.done);
      expect(columns.failed).toBe(status.counts.failed);
      // Cards per column are what the folders hold here (every list fits on the board).
      expect(await page.locator('[data-column="done"] .card').count()).toBe(status.counts.done);
      expect(await page.locator('[data-column="failed"] .card .reason').textContent()).toContain('exit code 3');
      await page.close();
    } finally {
      await dashboard.close();
    }
  }, 60_000);

  it.skipIf(!haveChromium)('groups the agents of several hosts under a row per host, a dead host\'s marked stale', async () => {
    const repo = copyOfFixture();
    // A second host's agent, whose heartbeat stopped long ago (by its own clock).
    const dir = path.join(repo, '.parallel-loop/agents/far/agent-1');
    fs.mkdirSync(dir, { recursive: true });
    const then = '2020-01-01T00:00:00.000Z';
    fs.writeFileSync(path.join(dir, 'heartbeat.json'), JSON.stringify({ agentId: 'far/agent-1', pid: 7, host: 'far', phase: 'agent', beat: 3, task: 'gone-task', gen: 1, updatedAt: then, startedAt: then }));
    const dashboard = await startDashboard(layoutFor(repo));
    try {
      const page = await browser.newPage();
      await page.goto(dashboard.url);
      await page.locator('tr[data-host="far"]').waitFor();
      const rows = await page.$$eval('#agents tbody tr', (els) => els.map((e) => (e as HTMLElement).dataset.host ?? (e as HTMLElement).dataset.agent));
      expect(rows).toEqual(['far', 'far/agent-1', 'fixture-host', 'agent-1', 'agent-2']);
      expect(await page.locator('tr[data-host="far"]').textContent()).toBe('host far · 1 agent · 1 stale');
      expect(await page.locator('tr[data-agent="far/agent-1"]').getAttribute('class')).toBe('stale');
      await page.close();
    } finally {
      await dashboard.close();
    }
  }, 60_000);

  it.skipIf(!haveChromium)('rejects a bad task in the add form with the message `add` prints, and adds a good one', async () => {
    const repo = tmpRepo();
    const cli = await runCli(repo, ['add', 'Another', '--priority', 'high']);
    const message = 'Expected `priority` to be an integer, got `"high"` (string)';
    expect(cli.stderr).toContain(message);
    const dashboard = await startDashboard(layoutFor(repo));
    try {
      const page = await browser.newPage();
      await page.goto(dashboard.url);
      await page.fill('textarea[name=prompt]', 'Another');
      await page.fill('input[name=priority]', 'high');
      await page.click('#add button[type=submit]');
      await expect.poll(() => page.locator('#add-result').textContent(), { timeout: 10_000 }).toContain(message);
      expect(await page.locator('#add-result').getAttribute('class')).toContain('error');
      expect(fs.existsSync(path.join(repo, 'queue', 'another.md'))).toBe(false);
      await page.fill('textarea[name=prompt]', 'Write the notes');
      await page.fill('input[name=id]', 'notes');
      await page.fill('input[name=priority]', '2');
      await page.click('#add button[type=submit]');
      await expect.poll(() => page.locator('#add-result').textContent(), { timeout: 10_000 }).toBe('added notes as notes.md');
      await page.locator('[data-column="queued"] .card[data-task="notes"]').waitFor({ timeout: 5000 });
      await page.close();
    } finally {
      await dashboard.close();
    }
  }, 60_000);

  it.skipIf(!haveChromium)('renders a title with HTML in it as text, and refuses requests without the token (401) or with another Host (403)', async () => {
    const repo = tmpRepo();
    const evil = '<img src=x onerror="window.__pwned=1">';
    writeTask(repo, 'xss', { title: evil, agent: 'shell', run: 'true' });
    const cli = startCli(repo, ['dashboard', '--json']);
    try {
      await cli.waitForOutput('"url"', 20_000);
      const { url, port } = JSON.parse(cli.stdout) as { url: string; port: number };
      const base = `http://127.0.0.1:${port}`;
      expect(await request(`${base}/`)).toBe(401);
      expect(await request(`${base}/api/board`)).toBe(401);
      expect(await request(url, { Host: 'attacker.example' })).toBe(403);
      expect(await request(url, { Host: `attacker.example:${port}` })).toBe(403);
      expect(await request(url)).toBe(200);

      const page = await browser.newPage();
      await page.goto(url);
      const title = page.locator('.card[data-task="xss"] .title');
      await title.waitFor();
      expect(await title.textContent()).toBe(evil);
      expect(await page.locator('#board img').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      // The token moved into a cookie and out of the address bar.
      expect(page.url()).toBe(`${base}/`);
      await page.close();
    } finally {
      process.kill(-cli.child.pid!, 'SIGINT');
      await cli.done;
    }
  }, 60_000);

  it.skipIf(!haveChromium)('reconnects by itself after the server restarts, and shows what changed meanwhile without a reload', async () => {
    const repo = tmpRepo();
    // The token is kept in the state folder, so the restarted server accepts the page's cookie.
    fs.mkdirSync(path.join(repo, '.parallel-loop'), { recursive: true });
    writeTask(repo, 'first', { agent: 'shell', run: 'true' });
    const first = await startDashboard(layoutFor(repo), { idleIntervalMs: 500 });
    const port = first.port;
    const page = await browser.newPage();
    try {
      await page.goto(first.url);
      await expect.poll(() => page.locator('[data-column-count="queued"]').textContent(), { timeout: 15_000 }).toBe('1');
      // While it serves, the page's address (without the token) is announced for notifications to link to.
      expect(JSON.parse(fs.readFileSync(path.join(repo, '.parallel-loop', 'dashboard.json'), 'utf8')).url).toBe(`http://127.0.0.1:${port}/`);
      await first.close();
      expect(fs.existsSync(path.join(repo, '.parallel-loop', 'dashboard.json'))).toBe(false);
      await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 15_000 }).toBe('reconnecting');
      writeTask(repo, 'second', { agent: 'shell', run: 'true' });
      const second = await startDashboard(layoutFor(repo), { port, idleIntervalMs: 500 });
      try {
        await expect.poll(() => page.locator('[data-column-count="queued"]').textContent(), { timeout: 20_000 }).toBe('2');
        expect(await page.locator('#live').getAttribute('data-state')).toBe('live');
      } finally {
        await second.close();
      }
    } finally {
      await page.close();
    }
  }, 60_000);
});
