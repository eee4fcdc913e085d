// Debian's Chromium driven by playwright-core, started the way it runs headless on these machines.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.PL_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);

/** Say why browser tests are skipped, so a missing browser never reads as a pass. */
export function reportMissingChromium(): void {
  if (!haveChromium) console.log(`SKIPPED: browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)`);
}

/**
 * A headless Chromium. playwright-core gives it a fresh empty profile of its own; the flags keep it
 * from reaching out to the network at start, which a closed network answers with refusals.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
