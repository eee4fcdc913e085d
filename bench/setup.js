// Benchmark: what a slow `setup` costs a run with warm worktrees (the default) against `worktrees: fresh`.
// A fresh small repository per mode whose setup sleeps --setup-seconds (like an `npm ci`) and records each run
// (agent, task, start, end) in a log outside the repository; --tasks shell tasks of --seconds each on --agents
// agents, every one landing its own file. Both modes are measured in this same run: set-up runs and the set-up
// time paid (from the log, checked against the `worktree-ready` events), and the wall time of each run.
// Goal: warm pays set-up once per slot (about --agents runs, not --tasks).
// Exits 0 whether or not the goal is met; non-zero only when a run fails or a task does not land.
//   npm run bench:setup [-- --tasks 16 --agents 4 --seconds 1 --setup-seconds 3 --keep --run-args="..." --cli other/dist/cli/main.js]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readEvents } from './lib/overhead.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '16' },
    agents: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '1' },
    'setup-seconds': { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    // More options for `run`, e.g. --run-args="--pause-cpu-percent 100".
    'run-args': { type: 'string', default: '' },
    // Another build to measure: the path of its dist/cli/main.js.
    cli: { type: 'string' },
  },
});
const TASKS = positiveInt('tasks', values.tasks);
const AGENTS = positiveInt('agents', values.agents);
const SECONDS = nonNegative('seconds', values.seconds);
const SETUP_SECONDS = nonNegative('setup-seconds', values['setup-seconds']);
const CLI = values.cli ? path.resolve(values.cli) : fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!fs.existsSync(CLI)) usage(`${CLI} does not exist; build first (npm run build)`);

function usage(message) {
  console.error(`bench:setup: ${message}`);
  process.exit(2);
}

function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a whole number >= 1, got ${text}`);
  return n;
}

function nonNegative(name, text) {
  const n = Number(text);
  if (!(n >= 0)) usage(`--${name} must be a number >= 0, got ${text}`);
  return n;
}

const taskId = (i) => `t${String(i).padStart(String(TASKS).length, '0')}`;

function git(cwd, args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * A fresh repository that ignores node_modules and has a lock file, a setup that sleeps like an install and
 * fills node_modules, and TASKS shell tasks in queue/. The set-up log is outside the repository, so no
 * landing carries it.
 */
function makeRepo(mode) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pl-bench-setup-${mode}-`));
  const repo = path.join(dir, 'repo');
  const log = path.join(dir, 'setup.log');
  fs.mkdirSync(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  // Local settings only: a user's global signing or hooks must not slow down or stop the bench.
  git(repo, ['config', 'user.name', 'bench']);
  git(repo, ['config', 'user.email', 'bench@localhost']);
  git(repo, ['config', 'commit.gpgsign', 'false']);
  fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n');
  fs.writeFileSync(path.join(repo, 'package-lock.json'), '{"lockfileVersion":3}\n');
  fs.mkdirSync(path.join(repo, 'out'));
  fs.writeFileSync(path.join(repo, 'out', '.keep'), '');
  const setup = `s=$(date +%s%N); sleep ${SETUP_SECONDS}; mkdir -p node_modules && echo ok > node_modules/.installed; echo "$PL_AGENT_ID $PL_TASK_ID $s $(date +%s%N)" >> '${log}'`;
  fs.writeFileSync(path.join(repo, '.parallel-loop.json'), JSON.stringify({ setup }, null, 2) + '\n');
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'initial']);
  const queue = path.join(repo, 'queue');
  fs.mkdirSync(queue);
  for (let i = 1; i <= TASKS; i++) {
    fs.writeFileSync(path.join(queue, `${taskId(i)}.md`), `---\nagent: shell\nrun: sleep ${SECONDS} && echo $PL_TASK_ID > out/$PL_TASK_ID.txt\n---\nTask ${i}\n`);
  }
  return { dir, repo, log };
}

function run(file, args, cwd) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: -1, wallMs: 0, output: String(err) }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), wallMs: Number(process.hrtime.bigint() - started) / 1e6, output }));
  });
}

/** Problems with a run's result: every task landed once on main's first-parent line, every file moved to done/. */
function checkLanded(repo) {
  const problems = [];
  const landings = git(repo, ['log', '--first-parent', '--merges', '--format=%H', 'main']).split('\n').filter(Boolean).length;
  if (landings !== TASKS) problems.push(`${landings} landings on main's first-parent line, expected ${TASKS}`);
  const files = new Set(git(repo, ['ls-tree', '--name-only', 'main', 'out/']).split('\n').map((p) => path.basename(p)));
  const missing = Array.from({ length: TASKS }, (_, i) => taskId(i + 1)).filter((id) => !files.has(`${id}.txt`));
  if (missing.length > 0) problems.push(`main lacks the files of ${missing.length} tasks: ${missing.slice(0, 5).join(', ')}`);
  const done = fs.existsSync(path.join(repo, 'queue', 'done')) ? fs.readdirSync(path.join(repo, 'queue', 'done')).filter((f) => f.endsWith('.md')).length : 0;
  if (done !== TASKS) problems.push(`queue/done holds ${done} task files, expected ${TASKS}`);
  return problems;
}

async function measure(mode) {
  const { dir, repo, log } = makeRepo(mode);
  const extra = values['run-args'].split(/\s+/).filter(Boolean);
  const result = await run(process.execPath, [CLI, 'run', '--agents', String(AGENTS), '--once', '--worktree-mode', mode, ...extra], repo);
  fs.writeFileSync(path.join(dir, 'bench-run-output.txt'), result.output);
  const problems = result.code === 0 ? [] : [`parallel-loop exited ${result.code}:\n${result.output.trim().split('\n').slice(-15).join('\n')}`];
  problems.push(...checkLanded(repo));
  const runs = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')) : [];
  const paidMs = runs.reduce((sum, [, , s, e]) => sum + (Number(e) - Number(s)) / 1e6, 0);
  const slots = new Set(runs.map(([agent]) => agent)).size;
  const ran = readEvents(repo).filter((e) => e.type === 'worktree-ready' && e.setup === 'ran');
  if (ran.length !== runs.length) problems.push(`${ran.length} worktree-ready events say set-up ran, the set-up log has ${runs.length} runs`);
  const eventMs = ran.reduce((sum, e) => sum + (e.setupMs ?? 0), 0);
  return { mode, dir, wallMs: result.wallMs, runs: runs.length, slots, paidMs, eventMs, problems };
}

const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(
  `bench:setup: ${CLI}, ${TASKS} tasks of \`sleep ${SECONDS}\` on ${AGENTS} agents, a setup that sleeps ${SETUP_SECONDS} s; ` +
    `${os.cpus().length} CPUs, load ${load()} before`,
);
const results = [];
let failed = false;
for (const mode of ['fresh', 'warm']) {
  const r = await measure(mode);
  results.push(r);
  console.log(`  worktrees: ${mode}: wall ${fmt(r.wallMs / 1000, 2)} s, set-up ran ${r.runs} times (load ${load()})`);
  for (const p of r.problems) console.log(`    FAILED: ${p}`);
  if (r.problems.length > 0) failed = true;
  if (values.keep || r.problems.length > 0) console.log(`    kept ${r.dir}`);
  else fs.rmSync(r.dir, { recursive: true, force: true });
}

const [fresh, warm] = results;
console.log('');
console.log(' worktrees  set-up runs  slots set up  set-up paid s  (events s)  wall s');
for (const r of results) {
  console.log(`${r.mode.padStart(10)}  ${String(r.runs).padStart(11)}  ${String(r.slots).padStart(12)}  ${fmt(r.paidMs / 1000).padStart(13)}  ${fmt(r.eventMs / 1000).padStart(10)}  ${fmt(r.wallMs / 1000, 2).padStart(6)}`);
}
console.log(`  set-up paid: fresh / warm = ${fmt(fresh.paidMs / warm.paidMs, 2)}x (runs ${fresh.runs} / ${warm.runs} = ${fmt(fresh.runs / warm.runs, 2)}x); wall: fresh / warm = ${fmt(fresh.wallMs / warm.wallMs, 2)}x`);
console.log('  set-up paid: the sum of the set-up runs\' own durations (log), and as the worker measured them (events).');
console.log('');
const ok = warm.runs <= AGENTS;
console.log(`goal: warm worktrees set up once per slot (at most ${AGENTS} runs for ${TASKS} tasks): ${warm.runs} ${ok ? 'OK' : 'BELOW GOAL'}`);
console.log(`load average after: ${load()} (${os.cpus().length} CPUs)`);
if (failed) {
  console.log('A run failed or a task did not land (see FAILED above).');
  process.exit(1);
}
