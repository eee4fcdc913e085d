// Installs the peers at their published versions into a folder of their own (never as dependencies of this
// project), with npm as a user would. A peer whose install or first run fails is skipped, with the reason.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The peers: what npm installs for each, and how to find its program once installed. */
export const PEERS = {
  'ralphy-cli': {
    packages: ['ralphy-cli@4.7.2'],
    program: (dir) => ({ file: path.join(dir, 'node_modules', '.bin', 'ralphy'), args: [] }),
    check: ['--version'],
  },
  'ralph-tui': {
    // ralph-tui runs on Bun (>= 1.3.6), which npm ships as a package of its own.
    packages: ['ralph-tui@0.11.0', 'bun@1.4.5'],
    program: (dir) => ({ file: path.join(dir, 'node_modules', '.bin', 'bun'), args: [path.join(dir, 'node_modules', 'ralph-tui', 'dist', 'cli.js')] }),
    check: ['--help'],
  },
};

function tail(text, lines = 6) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** npm's own summary of a failure (its `code` and first message lines), else the last lines of its output. */
function npmReason(text) {
  const lines = text.trim().split('\n');
  const first = lines.findIndex((l) => /^npm error (code|errno|network|404|E[A-Z]+)/.test(l));
  return first >= 0 ? lines.slice(first, first + 3).join(' / ') : tail(text);
}

/**
 * Install one peer into `<root>/<name>` (kept when its program is already there, for --peers-dir) and check
 * that its program starts. Returns `{ program }` or `{ skipped: reason }`.
 */
export function installPeer(root, name, log) {
  const peer = PEERS[name];
  const dir = path.join(root, name);
  const program = peer.program(dir);
  if (!fs.existsSync(program.file)) {
    fs.mkdirSync(dir, { recursive: true });
    log(`installing ${peer.packages.join(' ')} into ${dir} ...`);
    const started = Date.now();
    const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', ...peer.packages], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) return { skipped: `npm install ${peer.packages.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${npmReason(r.stderr || r.stdout)}` };
    log(`  installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (!fs.existsSync(program.file)) return { skipped: `npm installed ${peer.packages.join(' ')} but ${program.file} is not there` };
  const check = spawnSync(program.file, [...program.args, ...peer.check], { encoding: 'utf8', timeout: 60_000 });
  if (check.status !== 0) return { skipped: `${name} does not start (${check.error?.message ?? `exit ${check.status}`}): ${tail(check.stderr || check.stdout)}` };
  return { program };
}
