// Benchmark: parallel-loop side by side with its published peers, on the same tasks, with the same agent.
// Every tool runs the real Claude Code CLI (this project's devDependency) against a scripted local Messages API
// (bench/peers/fake-api.js), N agents, a fresh repository per run, a private HOME per run. The peers are
// installed from npm at their published versions into a temp folder (never as dependencies); a peer whose
// install fails is skipped, saying so. Workloads (bench/peers/workloads.js): `files`, the agent writes two
// files; `shell`, a one-second shell command through Claude's Bash tool.
// Printed per tool: the median wall time, the tasks whose files are on the target branch, the worktrees,
// branches and processes left behind, tracked files changed in the checkout, and the ratio to the best peer
// that landed every task in every run. For parallel-loop also where each attempt's time goes outside its
// agent (bench/lib/overhead.js). Goal: parallel-loop fastest of all, every task landed, nothing left behind.
// Exits 0 whether or not the goal is met; 2 on bad flags or a missing Claude Code binary.
//   npm run bench:peers [-- --runs 3 --quick --tasks 8 --agents 4 --workloads files,shell
//                          --tools parallel-loop,ralphy-cli,ralph-tui --peers-dir DIR --keep --cli other/dist/cli/main.js]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchApi } from './peers/fake-api.js';
import { installPeer, PEERS } from './peers/install.js';
import { runOnce } from './peers/run-once.js';
import { TOOLS } from './peers/tools.js';
import { WORKLOADS } from './peers/workloads.js';
import { median, OVERHEAD_HEADER, OVERHEAD_NOTE, overheadColumns } from './lib/overhead.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    tasks: { type: 'string', default: '8' },
    agents: { type: 'string', default: '4' },
    workloads: { type: 'string', default: Object.keys(WORKLOADS).join(',') },
    tools: { type: 'string', default: Object.keys(TOOLS).join(',') },
    'peers-dir': { type: 'string' },
    'timeout-sec': { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
    cli: { type: 'string' },
  },
});

function usage(message) {
  console.error(`bench:peers: ${message}`);
  process.exit(2);
}

function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a whole number >= 1, got ${text}`);
  return n;
}

function list(name, text, known) {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!known.includes(n)) usage(`--${name}: unknown \`${n}\`; known: ${known.join(', ')}`);
  return names;
}

// --quick: one run of each; --runs overrides either.
const RUNS = positiveInt('runs', values.runs ?? (values.quick ? '1' : '3'));
const TASKS = positiveInt('tasks', values.tasks);
const AGENTS = positiveInt('agents', values.agents);
const TIMEOUT_MS = positiveInt('timeout-sec', values['timeout-sec']) * 1000;
const WORKLOAD_NAMES = list('workloads', values.workloads, Object.keys(WORKLOADS));
const TOOL_NAMES = list('tools', values.tools, Object.keys(TOOLS));
const CLI = values.cli ? path.resolve(values.cli) : fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (TOOL_NAMES.includes('parallel-loop') && !fs.existsSync(CLI)) usage(`${CLI} does not exist; build first (npm run build)`);

/** The Claude Code CLI installed as a devDependency (its postinstall copies the native binary in place). */
function claudeBin() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const candidates = [
    path.join(root, 'node_modules/@anthropic-ai/claude-code/bin/claude.exe'),
    path.join(root, `node_modules/@anthropic-ai/claude-code-${process.platform}-${process.arch}/claude`),
  ];
  // The package's placeholder is a few hundred bytes; the native CLI is hundreds of megabytes.
  const found = candidates.find((f) => fs.existsSync(f) && fs.statSync(f).size > 1_000_000);
  if (!found) usage(`no Claude Code binary: neither ${candidates.join(' nor ')} is the native CLI; run npm install`);
  return found;
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const say = (line) => console.log(line);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-bench-peers-'));
const bin = path.join(work, 'bin');
fs.mkdirSync(bin);
// Every tool finds `claude` on PATH, the same binary for all.
fs.symlinkSync(claudeBin(), path.join(bin, 'claude'));

say(`bench:peers: ${TASKS} tasks, ${AGENTS} agents, ${RUNS} run${RUNS === 1 ? '' : 's'} each (median), tools ${TOOL_NAMES.join(', ')}; ${os.cpus().length} CPUs, load ${load()}`);
const programs = new Map();
const skipped = new Map();
const peersDir = values['peers-dir'] ? path.resolve(values['peers-dir']) : path.join(work, 'peers');
for (const name of TOOL_NAMES.filter((t) => t in PEERS)) {
  const installed = installPeer(peersDir, name, (line) => say(`  ${line}`));
  if (installed.skipped) {
    skipped.set(name, installed.skipped);
    say(`  SKIPPED ${name}: ${installed.skipped}`);
  } else programs.set(name, installed.program);
}

const api = await startBenchApi();
const env = {
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  LANG: 'C.UTF-8',
  TERM: 'dumb',
  ANTHROPIC_BASE_URL: api.url,
  ANTHROPIC_API_KEY: 'bench-key',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  // As root, Claude Code refuses to skip permission prompts unless told it runs in a sandbox; this bench's
  // temp repositories are that sandbox.
  IS_SANDBOX: '1',
};
const tools = TOOL_NAMES.filter((t) => !skipped.has(t));
// Claude Code's first start reads its bundle from disk; a run that paid for that took 12 s where the next took 6.
spawnSync(path.join(bin, 'claude'), ['--version'], { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 60_000 });
const failedRuns = [];
if (tools.length === 0) say('no tool left to run');

for (const workload of tools.length > 0 ? WORKLOAD_NAMES : []) {
  const tasks = WORKLOADS[workload].tasks(TASKS);
  say('');
  say(`workload \`${workload}\`: ${TASKS} tasks, ${WORKLOADS[workload].describe}; ${AGENTS} agents (load ${load()})`);
  const results = new Map(tools.map((t) => [t, []]));
  // Runs interleave the tools, so a change in the machine's load falls on all of them alike, and each run starts
  // with the next tool: the first run after a pause (cold caches, a load spike ending) does not fall on one tool.
  for (let run = 1; run <= RUNS; run++) {
    for (const tool of [...tools.slice((run - 1) % tools.length), ...tools.slice(0, (run - 1) % tools.length)]) {
      const r = await runOnce({ tool, tasks, agents: AGENTS, env, cli: CLI, program: programs.get(tool), timeoutMs: TIMEOUT_MS, keep: values.keep });
      results.get(tool).push(r);
      const note = r.timedOut ? ` TIMED OUT after ${TIMEOUT_MS / 1000} s` : r.code !== 0 ? ` exit ${r.code}` : '';
      say(`  run ${run} ${tool.padEnd(13)} ${fmt(r.wallMs / 1000)} s, landed ${r.landed}/${TASKS}, left ${r.worktrees} worktrees${r.slots ? ` (and ${r.slots} warm slots kept, clean)` : ''}, ${r.branches} branches, ${r.processes} processes${note} (load ${load()})${values.keep ? ` ${r.dir}` : ''}`);
      if (r.timedOut || r.code !== 0) failedRuns.push({ workload, tool, run, tail: r.output.trim().split('\n').slice(-8).join('\n') });
    }
  }
  const rows = tools.map((tool) => {
    const rs = results.get(tool);
    const all = rs.every((r) => r.landed === TASKS && !r.timedOut);
    return { tool, rs, wallMs: median(rs.map((r) => r.wallMs)), all, max: (k) => Math.max(...rs.map((r) => (Array.isArray(r[k]) ? r[k].length : r[k]))) };
  });
  const peers = rows.filter((r) => r.tool !== 'parallel-loop' && r.all);
  const best = peers.reduce((b, r) => (b === undefined || r.wallMs < b.wallMs ? r : b), undefined);
  say('');
  say(' tool           median s  runs s                landed      worktrees  branches  processes  checkout  ratio');
  for (const r of rows) {
    const walls = r.rs.map((x) => fmt(x.wallMs / 1000)).join(' ');
    const landed = `${Math.min(...r.rs.map((x) => x.landed))}/${TASKS}${r.rs.length > 1 ? ` (${r.rs.map((x) => x.landed).join(',')})` : ''}`;
    const dirty = r.max('dirty');
    const ratio = best ? `${fmt(r.wallMs / best.wallMs)}x` : '-';
    say(
      ` ${r.tool.padEnd(13)}  ${fmt(r.wallMs / 1000).padStart(8)}  ${walls.padEnd(20)}  ${landed.padEnd(10)}  ${String(r.max('worktrees')).padStart(9)}  ${String(r.max('branches')).padStart(8)}` +
        `  ${String(r.max('processes')).padStart(9)}  ${(dirty === 0 ? 'clean' : `${dirty} changed`).padStart(8)}  ${ratio.padStart(5)}`,
    );
  }
  say(`  landed: tasks whose files are on main (worst run; each run in brackets); worktrees, branches, processes: left`);
  say(`  behind (most of any run); checkout: tracked files changed; ratio: median wall / that of ${best ? `the best peer that landed every task (${best.tool})` : 'the best peer that landed every task: none did, so no ratio'}.`);
  if (rows.some((r) => r.max('slots') > 0)) say(`  worktrees do not count parallel-loop's warm slots (kept for the next run by design, detached with no changes; \`clean\` removes them).`);
  const ours = rows.find((r) => r.tool === 'parallel-loop');
  if (ours) {
    say('');
    say(`parallel-loop, per attempt (medians over each run's attempts, ms; from .parallel-loop/events.jsonl):`);
    say(`  run  ${OVERHEAD_HEADER}`);
    ours.rs.forEach((r, i) => say(`  ${String(i + 1).padStart(3)}  ${overheadColumns(r.overhead)}`));
    for (const line of OVERHEAD_NOTE) say(`  ${line}`);
    const fastest = rows.every((r) => r === ours || ours.wallMs < r.wallMs);
    const clean = ours.max('worktrees') + ours.max('branches') + ours.max('processes') + ours.max('dirty') === 0;
    const ok = fastest && ours.all && clean;
    say(`goal (${workload}): parallel-loop fastest of all, every task landed, nothing left behind: ${ok ? 'OK' : `NOT MET (${[!fastest && 'not the fastest', !ours.all && 'not every task landed', !clean && 'something left behind'].filter(Boolean).join(', ')})`}`);
  }
}

for (const [name, reason] of skipped) say(`skipped ${name}: ${reason}`);
for (const f of failedRuns) say(`note: ${f.tool} run ${f.run} of \`${f.workload}\` did not exit 0; its last lines:\n${f.tail.replace(/^/gm, '    ')}`);
if (api.unhandled.length > 0) say(`note: the fake API was asked for paths it does not serve: ${[...new Set(api.unhandled)].slice(0, 5).join('; ')}`);
say(`load average after: ${load()} (${os.cpus().length} CPUs)`);
await api.close();
if (values.keep) say(`kept ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
