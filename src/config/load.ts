import fs from 'node:fs';
import { PlError, EXIT, errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { RunOptions } from './options.js';
import { validateConfig } from './validate.js';

/** Read the repository's config file (`.parallel-loop.json`); missing → {}. Bad content → PlError naming the file and fields. */
export function loadConfigFile(file: string): Partial<RunOptions> {
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
    throw new PlError('BAD_CONFIG', `${file}: not valid JSON (${(err as Error).message}). Fix the file or remove it.`, { exitCode: EXIT.invalidInput });
  }
  const { options, problems } = validateConfig(raw);
  if (problems.length > 0) {
    throw new PlError('BAD_CONFIG', `${file} has problems:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, {
      exitCode: EXIT.invalidInput,
      details: problems,
    });
  }
  return options;
}

/** Rewrite the config file with one setting changed, keeping every other setting as it was. */
export function saveConfigFile(file: string, options: Record<string, unknown>): void {
  writeJsonAtomic(file, options);
}
