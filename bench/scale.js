// Benchmark: how `run --once` scales with the number of agents, and what each task costs on top of its agent.
// For each N in --agents: a fresh small repository, --tasks tasks of a --seconds shell agent that each write
// their own file (so each lands), run with worktrees; then the same jobs through `xargs -P N` with no
// worktree, claim or landing. Overhead per task = (our wall - xargs wall) x N / tasks. The CPU time of each run
// (every process under it) is shown too: wall figures move with the machine's load, CPU time much less.
// The events log splits each attempt's time outside its agent up (bench/lib/overhead.js).
// Goals: 4 agents at >= 95% of ideal (tasks x seconds / N), 8 at >= 90%; overhead < 150 ms per task.
// Exits 0 whether or not the goals are met; non-zero only when a run fails or a task does not land.
//   npm run bench:scale [-- --tasks 40 --seconds 1 --agents 1,2,4,8 --rescan-ms 2000 --keep --cli other/dist/cli/main.js
//                         --baseline before/dist/cli/main.js]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { attemptRows, median, OVERHEAD_HEADER, OVERHEAD_NOTE, overhead, overheadColumns, readEvents } from './lib/overhead.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '1' },
    agents: { type: 'string', default: '1,2,4,8' },
    files: { type: 'string', default: '20' },
    // Passed on to `run` when given; by default the run uses its own default, as a user's would.
    'rescan-ms': { type: 'string' },
    keep: { type: 'boolean', default: false },
    // More options for `run`, e.g. --run-args="--pause-cpu-percent 100" to measure without the load governor.
    'run-args': { type: 'string', default: '' },
    // Another build to measure, e.g. to compare before and after a change: the path of its dist/cli/main.js.
    cli: { type: 'string' },
    // A second build run on the same tasks right after each run of --cli (or of this one): before/after in one run.
    baseline: { type: 'string' },
  },
});
const TASKS = positiveInt('tasks', values.tasks);
const SECONDS = Number(values.seconds);
if (!(SECONDS >= 0)) usage(`--seconds must be a number >= 0, got ${values.seconds}`);
const AGENTS = values.agents.split(',').map((n) => positiveInt('agents', n.trim()));
const FILES = positiveInt('files', values.files);
const RESCAN = values['rescan-ms'] === undefined ? undefined : positiveInt('rescan-ms', values['rescan-ms']);
const CLI = values.cli ? path.resolve(values.cli) : fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!fs.existsSync(CLI)) usage(`${CLI} does not exist; build first (npm run build)`);
const BASELINE = values.baseline ? path.resolve(values.baseline) : undefined;
if (BASELINE && !fs.existsSync(BASELINE)) usage(`--baseline ${BASELINE} does not exist`);
// Agents and the share of ideal each should reach.
const GOALS = [
  [4, 0.95],
  [8, 0.9],
];
const GOAL_OVERHEAD_MS = 150;

function usage(message) {
  console.error(`bench:scale: ${message}`);
  process.exit(2);
}

function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a whole number >= 1, got ${text}`);
  return n;
}

const RUN_LINE = `sleep ${SECONDS} && echo $PL_TASK_ID > out/$PL_TASK_ID.txt`;
const taskId = (i) => `t${String(i).padStart(String(TASKS).length, '0')}`;

function git(cwd, args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A fresh repository with FILES small files, `out/`, and TASKS shell tasks in queue/. */
function makeRepo(label) {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), `pl-bench-scale-${label}-`));
  git(repo, ['init', '-q', '-b', 'main']);
  // Local settings only: a user's global signing or hooks must not slow down or stop the bench.
  git(repo, ['config', 'user.name', 'bench']);
  git(repo, ['config', 'user.email', 'bench@localhost']);
  git(repo, ['config', 'commit.gpgsign', 'false']);
  for (let i = 1; i <= FILES; i++) fs.writeFileSync(path.join(repo, `file${i}.txt`), `line ${i}\n`);
  fs.mkdirSync(path.join(repo, 'out'));
  fs.writeFileSync(path.join(repo, 'out', '.keep'), '');
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'initial']);
  return repo;
}

function writeTasks(repo) {
  const queue = path.join(repo, 'queue');
  fs.mkdirSync(queue, { recursive: true });
  for (let i = 1; i <= TASKS; i++) {
    fs.writeFileSync(path.join(queue, `${taskId(i)}.md`), `---\nagent: shell\nrun: ${RUN_LINE}\n---\nTask ${i}\n`);
  }
}

/**
 * Run a command to its end; resolves with its exit code, wall time, output (kept for failures) and the CPU time
 * (user + system) of it and every process under it. The CPU time comes from the POSIX shell's `times`, which
 * counts every descendant that was waited for (workers, git, agents): unlike the wall time it hardly depends on
 * what else the machine is running.
 */
function timed(file, args, cwd) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const startedAt = Date.now();
    const wrapped = ['-c', '"$0" "$@"; s=$?; times >&2; exit $s', file, ...args];
    const child = spawn('sh', wrapped, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve({ code: -1, wallMs: 0, cpuMs: NaN, output: String(err), startedAt, endedAt: Date.now() }));
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      // `times` prints the shell's own times, then its children's: "<m>m<s>s <m>m<s>s" each.
      const lines = stderr.trimEnd().split('\n');
      const m = /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(lines.at(-1)?.trim() ?? '');
      const cpuMs = m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : NaN;
      const output = stdout + (m ? lines.slice(0, -2).join('\n') : stderr);
      resolve({ code: code ?? (signal ? 128 : -1), wallMs, cpuMs, output, startedAt, endedAt: Date.now() });
    });
  });
}

/** Problems with the result of a run: every task landed once on main's first-parent line, every file moved to done/. */
function checkLanded(repo) {
  const problems = [];
  const landings = git(repo, ['log', '--first-parent', '--merges', '--format=%H', 'main']).split('\n').filter(Boolean).length;
  if (landings !== TASKS) problems.push(`${landings} landings on main's first-parent line, expected ${TASKS}`);
  const landedFiles = new Set(git(repo, ['ls-tree', '--name-only', 'main', 'out/']).split('\n').map((p) => path.basename(p)));
  const missing = [];
  for (let i = 1; i <= TASKS; i++) if (!landedFiles.has(`${taskId(i)}.txt`)) missing.push(taskId(i));
  if (missing.length > 0) problems.push(`main lacks the files of ${missing.length} tasks: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  let done = [];
  try {
    done = fs.readdirSync(path.join(repo, 'queue', 'done')).filter((f) => f.endsWith('.md'));
  } catch {
    // no done/ at all: counted as 0 below
  }
  if (done.length !== TASKS) problems.push(`queue/done holds ${done.length} task files, expected ${TASKS}`);
  return problems;
}

/**
 * From the events log: start-up (run started -> first claim), tail (last task done -> run exited), each
 * worker's first claim -> agent (a new slot's worktree is added then; median over the workers), and the last
 * agent's exit -> run exited (its commit, landing, and the exit).
 */
function ends(repo, run) {
  const events = readEvents(repo);
  const claims = events.filter((e) => e.type === 'claimed').map((e) => Date.parse(e.time));
  const dones = events.filter((e) => e.type === 'done').map((e) => Date.parse(e.time));
  const rows = attemptRows(repo, events);
  const firsts = new Map();
  for (const r of rows) if (!firsts.has(r.agent) || r.claimed < firsts.get(r.agent).claimed) firsts.set(r.agent, r);
  const exits = rows.map((r) => r.agentExited).filter(Number.isFinite);
  return {
    startup: claims.length ? Math.min(...claims) - run.startedAt : NaN,
    tail: dones.length ? run.endedAt - Math.max(...dones) : NaN,
    firstWorktree: median([...firsts.values()].map((r) => r.agentStarted - r.claimed)),
    afterLastAgent: exits.length ? run.endedAt - Math.max(...exits) : NaN,
  };
}

async function ours(n, cli = CLI) {
  const repo = makeRepo(`n${n}`);
  writeTasks(repo);
  const extra = values['run-args'].split(/\s+/).filter(Boolean);
  const args = [cli, 'run', '--agents', String(n), '--once', ...(RESCAN === undefined ? [] : ['--rescan-ms', String(RESCAN)]), ...extra];
  const run = await timed(process.execPath, args, repo);
  // Written after the run, so it is never in a landing's way; read it when a run is kept.
  fs.writeFileSync(path.join(repo, 'bench-run-output.txt'), run.output);
  const problems = run.code === 0 ? [] : [`parallel-loop exited ${run.code}:\n${run.output.trim().split('\n').slice(-15).join('\n')}`];
  problems.push(...checkLanded(repo));
  const events = readEvents(repo);
  const restarts = events.filter((e) => e.type === 'agent-exited' && e.code !== 0);
  const notes = restarts.map((e) => `worker ${e.agent} (pid ${e.pid}) ended with ${e.reason} and was restarted; its output is in bench-run-output.txt`);
  // Claiming that waited on load from outside the run (governance/load-policy.ts) is part of the wall time: say so.
  const pauses = events.filter((e) => e.type === 'paused');
  const info = pauses.length > 0 ? [`claiming paused ${pauses.length} time${pauses.length === 1 ? '' : 's'}: ${pauses[0].reason}`] : [];
  return { repo, wallMs: run.wallMs, cpuMs: run.cpuMs, problems, notes, info, parts: { ...overhead(repo), ...ends(repo, run) } };
}

async function xargs(n) {
  const dir = makeRepo(`xargs${n}`);
  const ids = Array.from({ length: TASKS }, (_, i) => taskId(i + 1)).join('\n') + '\n';
  const list = path.join(dir, 'ids');
  fs.writeFileSync(list, ids);
  // Same job per task, no worktree: each line is one task id, passed to sh as $PL_TASK_ID.
  const run = await timed('sh', ['-c', `xargs -P ${n} -n 1 sh -c 'PL_TASK_ID=$1; ${RUN_LINE}' sh < ids`], dir);
  const problems = run.code === 0 ? [] : [`xargs exited ${run.code}: ${run.output.trim()}`];
  const written = fs.readdirSync(path.join(dir, 'out')).filter((f) => f.endsWith('.txt')).length;
  if (written !== TASKS) problems.push(`xargs wrote ${written} files, expected ${TASKS}`);
  return { repo: dir, wallMs: run.wallMs, cpuMs: run.cpuMs, problems };
}

const fmt = (ms, digits = 0) => (Number.isFinite(ms) ? ms.toFixed(digits) : '-');
const pad = (s, w) => String(s).padStart(w);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(
  `bench:scale: ${CLI}, ${TASKS} tasks of \`${RUN_LINE}\`, repository of ${FILES} files, agents ${AGENTS.join(', ')}` +
    `${RESCAN === undefined ? '' : `, --rescan-ms ${RESCAN}`}; ${os.cpus().length} CPUs, load ${load()} before`,
);
const results = [];
const done = [];
let failed = false;
for (const n of AGENTS) {
  const a = await ours(n);
  const base = BASELINE ? await ours(n, BASELINE) : undefined;
  const b = await xargs(n);
  const result = { n, ours: a, base, xargs: b, ideal: (TASKS * SECONDS * 1000) / n };
  results.push(result);
  console.log(`  ${n} agent${n === 1 ? ' ' : 's'}: parallel-loop ${fmt(a.wallMs / 1000, 2)} s,${base ? ` baseline ${fmt(base.wallMs / 1000, 2)} s,` : ''} xargs ${fmt(b.wallMs / 1000, 2)} s (load ${load()})`);
  if (base) for (const p of base.problems) console.log(`    baseline: ${p}`);
  for (const p of [...a.notes, ...a.info]) console.log(`    note: ${p}`);
  for (const p of [...a.problems, ...b.problems]) console.log(`    FAILED: ${p}`);
  if (a.problems.length + b.problems.length > 0) failed = true;
  for (const [dir, problems] of [[a.repo, [...a.problems, ...a.notes]], ...(base ? [[base.repo, base.problems]] : []), [b.repo, b.problems]]) {
    if (values.keep || problems.length > 0) console.log(`    kept ${dir}`);
    else done.push(dir);
  }
}
// Removed at the end, not between runs: on a filesystem without a journal (ext4 as some VMs mount it) the
// files just deleted slow down the next run's every new file for a few seconds (ext4 skips recently freed inodes).
for (const dir of done) fs.rmSync(dir, { recursive: true, force: true });

const base = results.find((r) => r.n === 1);
console.log('');
console.log(' agents  ideal s   wall s  speedup  efficiency  xargs s  overhead ms/task  CPU s  xargs CPU s  CPU ms/task');
for (const r of results) {
  const speedup = base ? base.ours.wallMs / r.ours.wallMs : NaN;
  r.efficiency = r.ideal / r.ours.wallMs;
  r.overheadMs = ((r.ours.wallMs - r.xargs.wallMs) * r.n) / TASKS;
  r.cpuPerTaskMs = (r.ours.cpuMs - r.xargs.cpuMs) / TASKS;
  console.log(
    `${pad(r.n, 7)}  ${pad(fmt(r.ideal / 1000, 2), 7)}  ${pad(fmt(r.ours.wallMs / 1000, 2), 7)}  ${pad(base ? fmt(speedup, 2) + 'x' : '-', 7)}` +
      `  ${pad(fmt(r.efficiency * 100, 1) + '%', 10)}  ${pad(fmt(r.xargs.wallMs / 1000, 2), 7)}  ${pad(fmt(r.overheadMs), 16)}` +
      `  ${pad(fmt(r.ours.cpuMs / 1000, 1), 5)}  ${pad(fmt(r.xargs.cpuMs / 1000, 1), 11)}  ${pad(fmt(r.cpuPerTaskMs), 11)}`,
  );
}
console.log('  overhead ms/task: (wall - xargs wall) x agents / tasks. CPU: user + system time of the run and every process');
console.log(`  under it; CPU ms/task: (CPU - xargs CPU) / tasks, what each task costs the machine beyond its agent (${os.cpus().length} CPUs here).`);

console.log('');
console.log('Where an attempt\'s time goes outside its agent (medians, ms; from .parallel-loop/events.jsonl):');
console.log(` agents  ${OVERHEAD_HEADER}  start-up  tail`);
for (const r of results) {
  const p = r.ours.parts;
  console.log(`${pad(r.n, 7)}  ${overheadColumns(p)}  ${pad(fmt(p.startup), 8)}  ${pad(fmt(p.tail), 4)}`);
}
for (const line of OVERHEAD_NOTE) console.log(`  ${line}`);
if (BASELINE) {
  console.log('');
  console.log(`Against the baseline ${BASELINE}, run right after each of ours on the same tasks:`);
  console.log(' agents  wall s  baseline s  efficiency  baseline  per attempt ms  baseline ms  start-up ms  baseline ms  CPU ms/task  baseline ms');
  for (const r of results) {
    const [o, b] = [r.ours, r.base];
    const cpu = (x) => fmt((x.cpuMs - r.xargs.cpuMs) / TASKS);
    console.log(
      `${pad(r.n, 7)}  ${pad(fmt(o.wallMs / 1000, 2), 6)}  ${pad(fmt(b.wallMs / 1000, 2), 10)}  ${pad(fmt((r.ideal / o.wallMs) * 100, 1) + '%', 10)}  ${pad(fmt((r.ideal / b.wallMs) * 100, 1) + '%', 8)}` +
        `  ${pad(fmt(o.parts.perAttempt), 14)}  ${pad(fmt(b.parts.perAttempt), 11)}  ${pad(fmt(o.parts.startup), 11)}  ${pad(fmt(b.parts.startup), 11)}  ${pad(cpu(o), 11)}  ${pad(cpu(b), 11)}`,
    );
  }
  console.log('  CPU ms/task: what each task cost the machine beyond its agent (moves far less with the load than wall time).');
}
console.log('  start-up: `run` spawned to the first claim; tail: the last task done to the run exiting.');

console.log('');
for (const [n, goal] of GOALS) {
  const at = results.find((r) => r.n === n);
  if (!at) console.log(`goal: ${n} agents at >= ${goal * 100}% of ideal: not measured (no run with ${n} agents)`);
  else {
    console.log(`goal: ${n} agents at >= ${goal * 100}% of ideal: ${fmt(at.efficiency * 100, 1)}% ${at.efficiency >= goal ? 'OK' : 'BELOW GOAL'}`);
    for (const line of budget(at, goal)) console.log(`  ${line}`);
  }
}
/**
 * Where a goal's time went: what the goal allows beyond the same jobs run by xargs, against what this run
 * spent at its ends (start-up, each worker's first worktree, the last agent's exit to the run's) and between
 * attempts, and the share of ideal the run would reach with nothing at all between its attempts.
 */
function budget(r, goal) {
  const p = r.ours.parts;
  const later = TASKS / r.n - 1;
  const allowed = r.ideal / goal - r.xargs.wallMs;
  const spent = r.ours.wallMs - r.xargs.wallMs;
  const atEnds = p.startup + p.firstWorktree + p.afterLastAgent;
  const between = spent - atEnds;
  return [
    `allows ${fmt(allowed)} ms beyond xargs' wall; this run spent ${fmt(spent)}: start-up ${fmt(p.startup)}, first worktree ${fmt(p.firstWorktree)},` +
      ` last agent's exit to the run's ${fmt(p.afterLastAgent)}, between attempts ${fmt(between)} (${fmt(between / later)} ms for each of a worker's ${fmt(later, 1)} later attempts)`,
    `with nothing between attempts this run's ends alone give ${fmt((r.ideal / (r.xargs.wallMs + atEnds)) * 100, 1)}%;` +
      ` ${allowed > atEnds ? `the goal leaves ${fmt((allowed - atEnds) / later)} ms per later attempt` : 'its ends alone are over the goal'}`,
  ];
}

const worst = results.reduce((w, r) => (w === undefined || r.overheadMs > w.overheadMs ? r : w), undefined);
if (worst) {
  const ok = worst.overheadMs < GOAL_OVERHEAD_MS;
  const all = results.map((r) => `${fmt(r.overheadMs)} at ${r.n}`).join(', ');
  console.log(`goal: per-task overhead < ${GOAL_OVERHEAD_MS} ms on a small repository: worst ${fmt(worst.overheadMs)} ms (${all}) ${ok ? 'OK' : 'BELOW GOAL'}`);
}
console.log(`load average after: ${load()} (${os.cpus().length} CPUs)`);
if (failed) {
  console.log('A run failed or a task did not land (see FAILED above).');
  process.exit(1);
}
