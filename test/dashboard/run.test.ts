// The dashboard during real runs of the shell agent, in a headless Chromium: every task of a 4-agent
// run moves from Queued to Done on the page without a reload, and Retry on the page sends a failed
// task back, after which it lands.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/server.js';
import { layoutFor } from '../../src/queue/layout.js';
import { haveChromium, launchChromium, reportMissingChromium } from '../helpers/browser.js';
import { killProcessesIn, startCli, tasksIn, writeTask } from '../helpers/run-cli.js';
import { tmpDir, tmpRepo } from '../helpers/tmp.js';

reportMissingChromium();
let browser: Browser;
let repo = '';
beforeAll(async () => {
  if (haveChromium) browser = await launchChromium();
}, 30_000);
afterAll(async () => browser?.close());
afterEach(() => repo && killProcessesIn(repo));

// Every column each card was seen in, recorded by the page itself on each redraw.
async function recordColumns(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __seen: Record<string, string[]>; __loadedAt: number };
    w.__seen = {};
    w.__loadedAt = Date.now();
    const note = () => {
      for (const card of document.querySelectorAll<HTMLElement>('#board .card')) {
        const column = card.closest<HTMLElement>('[data-column]')!.dataset.column!;
        const seen = (w.__seen[card.dataset.task!] ??= []);
        if (seen.at(-1) !== column) seen.push(column);
      }
    };
    note();
    new MutationObserver(note).observe(document.getElementById('board')!, { childList: true, subtree: true });
  });
}

describe('dashboard during a run', () => {
  it.skipIf(!haveChromium)('shows each task of a 4-agent run move from Queued to Done without a reload', async () => {
    repo = tmpRepo();
    const ids = Array.from({ length: 8 }, (_, i) => `task-${i + 1}`);
    for (const id of ids) writeTask(repo, id, { agent: 'shell', run: `sleep 1; echo ${id} > ${id}.txt`, touches: [`${id}.txt`] });
    const dashboard = await startDashboard(layoutFor(repo), { intervalMs: 200 });
    try {
      const page = await browser.newPage();
      await page.goto(dashboard.url);
      await page.locator('[data-column="queued"] .card').first().waitFor();
      await recordColumns(page);
      const run = startCli(repo, ['run', '--agents', '4', '--once', '--rescan-ms', '100', '--agent', 'shell']);
      const result = await run.done;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      await expect.poll(() => page.locator('[data-column-count="done"]').textContent(), { timeout: 10_000 }).toBe('8');
      // The count comes from done/, the cards from the event log: on a loaded machine the last card may follow a pass later.
      const seenNow = () => page.evaluate(() => (window as unknown as { __seen: Record<string, string[]> }).__seen);
      await expect.poll(async () => { const now = await seenNow(); return ids.filter((id) => now[id]?.at(-1) !== 'done'); }, { timeout: 10_000 }).toEqual([]);
      const seen = await seenNow();
      for (const id of ids) {
        expect(seen[id]![0], `${id}: ${seen[id]!.join(' → ')}`).toBe('queued');
        expect(seen[id]!.at(-1), `${id}: ${seen[id]!.join(' → ')}`).toBe('done');
      }
      // Seen at work on the way, by at least some of the tasks (a 1 s task may pass between two redraws).
      expect(Object.values(seen).filter((s) => s.includes('implementing')).length).toBeGreaterThan(0);
      expect(await page.evaluate(() => typeof (window as unknown as { __loadedAt?: number }).__loadedAt)).toBe('number');
      expect(tasksIn(repo, 'done')).toHaveLength(8);
      await page.close();
    } finally {
      await dashboard.close();
    }
  }, 120_000);

  it.skipIf(!haveChromium)('retries a failed task from the page; it then lands', async () => {
    repo = tmpRepo();
    const mark = path.join(tmpDir(), 'failed-once');
    writeTask(repo, 'flaky', { agent: 'shell', maxAttempts: 1, run: `if [ -f "${mark}" ]; then echo ok > flaky.txt; else touch "${mark}"; exit 1; fi` });
    const dashboard = await startDashboard(layoutFor(repo), { intervalMs: 200 });
    const run = startCli(repo, ['run', '--agents', '2', '--rescan-ms', '100', '--agent', 'shell']);
    try {
      const page = await browser.newPage();
      await page.goto(dashboard.url);
      const failed = page.locator('[data-column="failed"] .card[data-task="flaky"]');
      await failed.waitFor({ timeout: 30_000 });
      await recordColumns(page);
      await failed.click();
      await page.locator('#detail button[data-action="retry"]').click();
      await expect.poll(() => page.locator('#detail .message').textContent(), { timeout: 10_000 }).toContain('flaky is back in the queue');
      await page.locator('[data-column="done"] .card[data-task="flaky"]').waitFor({ timeout: 30_000 });
      expect(tasksIn(repo, 'done')).toEqual(['flaky.json']);
      await page.close();
    } finally {
      process.kill(-run.child.pid!, 'SIGINT');
      await run.done;
      await dashboard.close();
    }
  }, 120_000);
});
