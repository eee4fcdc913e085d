import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The npm package's bin/claude.exe is a small placeholder until its postinstall copies
// the native binary over it; with install scripts skipped it stays a placeholder.
const PLACEHOLDER_MAX_BYTES = 1_000_000;

function isNativeBinary(file: string): boolean {
  try {
    return fs.statSync(file).size > PLACEHOLDER_MAX_BYTES;
  } catch {
    return false;
  }
}

/**
 * Path of the Claude Code CLI installed as a devDependency: the package's own binary when
 * its postinstall ran, else the platform package's (`@anthropic-ai/claude-code-linux-x64/claude`).
 * Throws naming both places when neither holds the real binary.
 */
export function claudeBin(): string {
  const wrapper = path.join(root, 'node_modules/@anthropic-ai/claude-code/bin/claude.exe');
  if (isNativeBinary(wrapper)) return wrapper;
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  const platform = path.join(root, `node_modules/@anthropic-ai/claude-code-${process.platform}-${process.arch}`, exe);
  if (isNativeBinary(platform)) return platform;
  throw new Error(`No Claude Code binary: neither ${wrapper} nor ${platform} is the native CLI. Run npm install.`);
}

/**
 * Environment for the real CLI against the fake Messages API at `apiUrl`: its own HOME, no
 * non-essential traffic or updates, and IS_SANDBOX so bypassPermissions runs as root (as in CI
 * containers; the test is its own sandbox).
 */
export function fakeClaudeEnv(apiUrl: string, home: string): Record<string, string> {
  return {
    HOME: home,
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: 'test-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    IS_SANDBOX: '1',
  };
}
