// Benchmark: how soon a run's workers are ready and claiming, and how long the light commands take.
// For each N in --agents, --runs times: a fresh repository with one one-second task, `run --agents N --once`
// spawned; measured from the spawn to the first `claimed` event in .parallel-loop/events.jsonl, and to the
// moment every worker's heartbeat has left `starting` (its loop is about to look for a task). Then
// `--version` and `status`, spawn to exit. Each median is printed with its ratio to `node -e 0`, measured in
// the same run, so a loaded machine moves both. Goal: every worker of 4-8 on 2 cores claiming within 300 ms.
// The floor beside each: a Node process that forks N Node processes doing nothing but tell it over IPC that
// they run, spawn to the last one's word: what N+1 Node start-ups cost on this machine before any work.
// Exits 0 whether or not the goal is met; non-zero only when a run fails.
//   npm run bench:startup [-- --runs 5 --agents 4,8 --cli other/dist/cli/main.js]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    agents: { type: 'string', default: '4,8' },
    cli: { type: 'string' },
  },
});
const RUNS = positiveInt('runs', values.runs);
const AGENTS = values.agents.split(',').map((n) => positiveInt('agents', n.trim()));
const CLI = values.cli ? path.resolve(values.cli) : fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!fs.existsSync(CLI)) usage(`${CLI} does not exist; build first (npm run build)`);
const GOAL_MS = 300;

function usage(message) {
  console.error(`bench:startup: ${message}`);
  process.exit(2);
}

function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a whole number >= 1, got ${text}`);
  return n;
}

function repoWithOneTask() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-bench-startup-'));
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '--allow-empty', '-m', 'start');
  fs.mkdirSync(path.join(dir, 'queue'));
  fs.writeFileSync(path.join(dir, 'queue', 'one.json'), JSON.stringify({ prompt: 'one', agent: 'shell', run: 'sleep 1' }));
  return dir;
}

/** Spawn to exit of `node <args>`, in ms. */
function timeExit(args, cwd) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`node ${args.join(' ')} exited ${code}`))));
  });
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function firstClaimAt(repo) {
  let text = '';
  try {
    text = fs.readFileSync(path.join(repo, '.parallel-loop', 'events.jsonl'), 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.includes('"claimed"'));
  return line ? Date.parse(JSON.parse(line).time) : undefined;
}

/** One `run --agents n --once`: ms from spawn to the first claim, and to every worker ready. */
async function timeRun(n) {
  const repo = repoWithOneTask();
  const startedAt = Date.now();
  const start = performance.now();
  const child = spawn(process.execPath, [CLI, 'run', '--agents', String(n), '--once'], { cwd: repo, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  const ready = new Set();
  let allReadyMs;
  while (!ended && (allReadyMs === undefined || firstClaimAt(repo) === undefined)) {
    for (let i = 1; i <= n; i++) {
      const beat = readJson(path.join(repo, '.parallel-loop', 'agents', `agent-${i}`, 'heartbeat.json'));
      if (beat && beat.phase !== 'starting') ready.add(i);
    }
    if (allReadyMs === undefined && ready.size === n) allReadyMs = performance.now() - start;
    await sleep(5);
  }
  const code = await exited;
  if (code !== 0) throw new Error(`run --agents ${n} exited ${code} in ${repo}`);
  const claimedMs = firstClaimAt(repo) - startedAt;
  fs.rmSync(repo, { recursive: true, force: true });
  return { claimedMs, allReadyMs: allReadyMs ?? NaN };
}

// The floor: the parent forks n children the way the supervisor forks its workers (node, an IPC channel);
// each says it runs and goes; the parent prints once all have.
const FLOOR_CHILD = "process.send('ready', () => process.disconnect())";
const FLOOR_PARENT = `const { spawn } = require('node:child_process'); let left = Number(process.argv[1]);
for (let i = Number(process.argv[1]); i > 0; i--) {
  const c = spawn(process.execPath, ['-e', ${JSON.stringify(FLOOR_CHILD)}], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  c.once('message', () => { if (--left === 0) process.stdout.write('ready\\n'); });
}`;

/** Spawn of the floor's parent to the moment all its n children have said they run, in ms. */
function timeFloor(n) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['-e', FLOOR_PARENT, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let readyMs;
    child.stdout.on('data', () => (readyMs ??= performance.now() - start));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && readyMs !== undefined ? resolve(readyMs) : reject(new Error(`the floor's parent for ${n} exited ${code}`))));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;

const baseline = [];
for (let i = 0; i < RUNS; i++) baseline.push(await timeExit(['-e', '0']));
const base = median(baseline);
console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`baseline node -e 0: median ${ms(base)} of ${RUNS}`);

for (const n of AGENTS) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timeRun(n));
  const claimed = median(runs.map((r) => r.claimedMs));
  const ready = median(runs.map((r) => r.allReadyMs));
  const floors = [];
  for (let i = 0; i < RUNS; i++) floors.push(await timeFloor(n));
  const floor = median(floors);
  const goal = ready <= GOAL_MS ? 'met' : 'not met';
  console.log(`run --agents ${n}: first claim ${ms(claimed)} (${(claimed / base).toFixed(1)}x baseline), every worker ready ${ms(ready)} (${(ready / base).toFixed(1)}x; goal ${GOAL_MS} ms ${goal})`);
  console.log(`  floor: ${n} empty Node processes forked by one, every one running ${ms(floor)} (${(floor / base).toFixed(1)}x baseline); the run's own work on top: ${ms(ready - floor)}`);
}

const repo = repoWithOneTask();
for (const [label, args] of [['--version', ['--version']], ['status', ['status']]]) {
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeExit([CLI, ...args], repo));
  const t = median(times);
  console.log(`parallel-loop ${label}: median ${ms(t)} (${(t / base).toFixed(1)}x baseline)`);
}
fs.rmSync(repo, { recursive: true, force: true });
console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
