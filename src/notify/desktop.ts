import fs from 'node:fs';
import path from 'node:path';
import type { NotifySettings } from './kinds.js';

/** The command hook `--notify-desktop` adds. */
export const DESKTOP_COMMAND = ['notify-send', '--app-name=parallel-loop', 'parallel-loop: {title}', '{reason}'];

/** Where `program` is found on `PATH`, or undefined. */
export function onPath(program: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, program);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * The notify settings a run uses: the config's, plus the desktop command when asked for and
 * `notify-send` exists (`missing` is then false). Undefined when nothing is to be sent. Pure but for the PATH lookup.
 */
export function withDesktop(settings: NotifySettings | undefined, desktop: boolean): { settings?: NotifySettings; missing: boolean } {
  if (!desktop) return { settings, missing: false };
  if (!onPath('notify-send')) return { settings, missing: true };
  return { settings: { ...settings, commands: [...(settings?.commands ?? []), DESKTOP_COMMAND] }, missing: false };
}
