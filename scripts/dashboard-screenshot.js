// Takes docs/dashboard.png: the dashboard of `npm run demo -- --dashboard` part way through its run,
// in Debian's headless Chromium driven by playwright-core.
//   npm run build && node scripts/dashboard-screenshot.js [--after-ms 7000] [--out docs/dashboard.png]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values } = parseArgs({ options: { 'after-ms': { type: 'string', default: '7000' }, out: { type: 'string', default: 'docs/dashboard.png' } } });
const demo = spawn(process.execPath, [fileURLToPath(new URL('./demo.js', import.meta.url)), '--dashboard', '--agents', '3'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, PL_DEMO_DASHBOARD_LINGER_MS: '2000' },
});
let out = '';
const url = await new Promise((resolve, reject) => {
  demo.stdout.on('data', (d) => {
    out += d;
    const found = /Dashboard: (\S+)/.exec(out)?.[1];
    if (found) resolve(found);
  });
  demo.on('exit', () => reject(new Error(`the demo ended without a dashboard:\n${out}`)));
});
const browser = await chromium.launch({
  executablePath: process.env.PL_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
await page.goto(url);
await page.waitForTimeout(Number(values['after-ms']));
await page.screenshot({ path: values.out, fullPage: true });
console.log(`wrote ${values.out}`);
await browser.close();
await new Promise((resolve) => demo.on('exit', resolve));
