// One run of one tool on one workload: a fresh repository, the tool's task list, the tool run to its end
// with a private HOME, then what it left: tasks whose files are on the target branch, worktrees, branches,
// processes still alive, changes in the checkout. Processes are found by a marker in their environment
// (every process the tool started inherits it) and ended after they are counted.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOOLS } from './tools.js';
import { overhead } from '../lib/overhead.js';

function git(cwd, args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr}`);
  return r.stdout.trim();
}

function makeRepo(dir, tool, tasks) {
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(repo, { recursive: true });
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.name', 'bench']);
  git(repo, ['config', 'user.email', 'bench@localhost']);
  git(repo, ['config', 'commit.gpgsign', 'false']);
  fs.writeFileSync(path.join(repo, 'README.md'), '# bench\n');
  for (let i = 1; i <= 10; i++) fs.writeFileSync(path.join(repo, `file${i}.txt`), `line ${i}\n`);
  const { commit } = TOOLS[tool].prepare(repo, tasks);
  if (!commit) {
    git(repo, ['add', 'README.md', ...Array.from({ length: 10 }, (_, i) => `file${i + 1}.txt`)]);
  } else git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'initial']);
  return repo;
}

/** Pids of live processes whose environment holds `marker` (PLB_RUN=<token>). */
function markedProcesses(marker) {
  const pids = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
      if (env.split('\0').includes(marker)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function killAll(pids) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Run `file args` in `cwd` with `env` to its end (or `timeoutMs`): exit code, wall ms, output. */
function timed(file, args, cwd, env, timeoutMs) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on('error', (err) => resolve({ code: -1, wallMs: NaN, output: String(err), timedOut }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), wallMs: performance.now() - started, output, timedOut });
    });
  });
}

function leftovers(repo, tasks) {
  const tree = new Set(git(repo, ['ls-tree', '-r', '--name-only', 'main']).split('\n'));
  const landed = tasks.filter((t) => t.files.every((f) => tree.has(f))).length;
  // A warm slot's worktree (parallel-loop's `worktrees: warm`) is kept for the next run on purpose: it is
  // counted apart, and only while it holds no work (detached, no tracked file changed). Any other is left behind.
  const entries = git(repo, ['worktree', 'list', '--porcelain']).split('\n\n').filter((e) => e.startsWith('worktree ')).slice(1);
  const isSlot = (e) => {
    const dir = e.split('\n')[0].slice('worktree '.length);
    return /\/\.parallel-loop\/worktrees\/agent-\d+$/.test(dir) && e.split('\n').includes('detached') && git(dir, ['status', '--porcelain', '--untracked-files=no']) === '';
  };
  const slots = entries.filter(isSlot).length;
  const worktrees = entries.length - slots;
  const branches = git(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/']).split('\n').filter((b) => b && b !== 'main').length;
  // Changes to tracked files only: each tool's own untracked state (queue/, .ralph-tui/) is not the user's.
  const dirty = git(repo, ['status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean);
  return { landed, worktrees, slots, branches, dirty };
}

/**
 * @param {{ tool: string, tasks: any[], agents: number, env: Record<string,string>, cli: string, program?: any, timeoutMs: number, keep: boolean }} o
 */
export async function runOnce(o) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pl-bench-peers-${o.tool}-`));
  const repo = makeRepo(dir, o.tool, o.tasks);
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const marker = `PLB_RUN=${path.basename(dir)}`;
  const env = { ...o.env, HOME: home, PLB_RUN: path.basename(dir) };
  const { file, args } = TOOLS[o.tool].command({ cli: o.cli, program: o.program, agents: o.agents });
  const run = await timed(file, args, repo, env, o.timeoutMs);
  fs.writeFileSync(path.join(dir, 'output.txt'), run.output);
  // A moment for processes on their way out; what is alive after it was left behind.
  await sleep(300);
  const alive = markedProcesses(marker);
  killAll(alive);
  const left = leftovers(repo, o.tasks);
  const result = { dir, code: run.code, timedOut: run.timedOut, wallMs: run.wallMs, processes: alive.length, ...left, output: run.output };
  if (o.tool === 'parallel-loop') result.overhead = overhead(repo);
  if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
  return result;
}
