import fs from 'node:fs';
import { PlError, errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { RunOptions } from './options.js';
import { validateConfig } from './validate.js';

/** The file's settings as written (not validated), or {} when there is no file. Not JSON, or not an object → PlError naming the file. */
export function readRawConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {};
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PlError('BAD_CONFIG', `${file}: not valid JSON (${(err as Error).message}). Fix it by hand or remove it; it was not changed.`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PlError('BAD_CONFIG', `${file}: expected an object of settings; it was not changed.`);
  return raw as Record<string, unknown>;
}

/** Read the repository's config file (`.parallel-loop.json`); missing → {}. Bad content → PlError naming the file and fields. */
export function loadConfigFile(file: string): Partial<RunOptions> {
  const { options, problems } = validateConfig(readRawConfig(file));
  if (problems.length > 0) {
    throw new PlError('BAD_CONFIG', `${file} has problems:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, {
      details: problems,
    });
  }
  return options;
}

/** Rewrite the config file with one setting changed, keeping every other setting as it was. */
export function saveConfigFile(file: string, options: Record<string, unknown>): void {
  writeJsonAtomic(file, options);
}
