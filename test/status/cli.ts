// Run the built CLI in a test repository and drop task files into its queue.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initRepo } from '../helpers/tmp.js';

// Starting the CLI is the shared helper's job; this file adds what the status tests share.
export { cliPath, runCli, startCli } from '../helpers/run-cli.js';

/** A git repository with one commit on main that lives until `remove()`, for a run shared by several tests. */
export function sharedRepo(): { dir: string; remove: () => void } {
  const dir = initRepo(fs.mkdtempSync(path.join(os.tmpdir(), 'pl-status-shared-')));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A shell task, written under queue/.tmp and renamed in the way writers must. */
export function shellTask(repo: string, id: string, run: string, extra: Record<string, unknown> = {}): void {
  const tmp = path.join(repo, 'queue', '.tmp', `${id}.json`);
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify({ agent: 'shell', run, prompt: `Task ${id}`, touches: [`${id}.txt`], ...extra }));
  fs.renameSync(tmp, path.join(repo, 'queue', `${id}.json`));
}
