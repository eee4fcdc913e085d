// A task done with `land: pr` in a real headless Chromium: its Done card and its detail link to the
// pull request. The URL comes from a command's output, so only an http(s) address becomes a link; any
// other text (a hand-edited record) is shown as text.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/server.js';
import { layoutFor } from '../../src/queue/layout.js';
import { haveChromium, launchChromium, reportMissingChromium } from '../helpers/browser.js';
import { initRepo, tmpDir } from '../helpers/tmp.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/status-run');
reportMissingChromium();

let browser: Browser;
beforeAll(async () => {
  if (haveChromium) browser = await launchChromium();
}, 30_000);
afterAll(async () => browser?.close());

/** The frozen run, with t1 and t2 settled as `land: pr` settles a task. */
function fixtureWithPullRequests(urls: Record<string, string>): string {
  const repo = tmpDir('pl-dash-pr-');
  fs.cpSync(path.join(fixture, 'state', 'queue'), path.join(repo, 'queue'), { recursive: true });
  fs.cpSync(path.join(fixture, 'state', 'parallel-loop'), path.join(repo, '.parallel-loop'), { recursive: true });
  for (const [id, url] of Object.entries(urls)) {
    const file = path.join(repo, '.parallel-loop', 'claims', id, '1.released');
    const release = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...release, landing: { status: 'pr', url, branch: `pl/${id}`, commit: release.landing.commit } }, null, 2));
  }
  return initRepo(repo);
}

describe('dashboard: land pr', () => {
  it.skipIf(!haveChromium)('links the Done card and the task detail to the pull request, and never a non-http URL', async () => {
    const url = 'https://github.example/acme/app/pull/3';
    const repo = fixtureWithPullRequests({ t1: url, t2: 'javascript:alert(1)' });
    const dashboard = await startDashboard(layoutFor(repo));
    try {
      const page = await browser.newPage();
      await page.goto(dashboard.url);
      const link = page.locator('[data-column="done"] .card[data-task="t1"] .pr a');
      await link.waitFor();
      expect(await link.getAttribute('href')).toBe(url);
      expect(await link.textContent()).toBe('pull request');
      const other = page.locator('[data-column="done"] .card[data-task="t2"] .pr');
      expect(await other.textContent()).toBe('javascript:alert(1)');
      expect(await other.locator('a').count()).toBe(0);
      // The card opens the task's detail, whose attempt links to the pull request too.
      await page.locator('[data-column="done"] .card[data-task="t1"]').click({ position: { x: 5, y: 5 } });
      const detailLink = page.locator('#detail-body table .pr a');
      await detailLink.waitFor();
      expect(await detailLink.getAttribute('href')).toBe(url);
      await page.close();
    } finally {
      await dashboard.close();
    }
  }, 60_000);
});
