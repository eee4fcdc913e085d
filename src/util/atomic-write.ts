import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write a file so that readers see the old content or the new, never a torn one:
 * write a temp file in the same folder (a dotfile, which readers skip), optionally fsync, then rename.
 */
export function writeFileAtomic(file: string, data: string | Buffer, options: { fsync?: boolean; mode?: number } = {}): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', options.mode ?? 0o644);
  try {
    fs.writeFileSync(fd, data);
    if (options.fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Write JSON atomically, pretty-printed so a person can `cat` it. */
export function writeJsonAtomic(file: string, value: unknown, options: { fsync?: boolean } = {}): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', options);
}

/**
 * Read a JSON file written by this tool. Missing → undefined. Empty or malformed (a crash mid-write
 * on a filesystem without atomic rename, or a hand edit) → undefined too, so one bad file never
 * stops a pass; callers that own the file may quarantine it.
 */
export function readJsonOrUndefined<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
