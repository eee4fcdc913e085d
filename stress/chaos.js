// Chaos test of recovery: `run --agents 6` works through 300 short shell tasks while a random worker
// is killed (SIGKILL) or stopped (SIGSTOP, SIGCONT a few seconds later) every 1-3 s, and the supervisor
// itself is killed twice and started again. Then: every task in done/ once, landed once with its file
// in the final tree, nothing left running, and `clean` leaves no worktree behind. Exit 1 on any violation.
//
//   npm run stress:chaos [-- --tasks 300 --workers 6 --minutes 5 --keep]
//
// Chaos lasts until every task is done or --minutes have passed; then the run finishes in peace.
// Needs `npm run build` first (runs ../dist/cli/main.js).
//
//   npm run stress:chaos -- --stages [--tasks 60 --workers 4 --minutes 2]   three-stage tasks (implement, review, test):
//     workers are killed mid-stage, and each task's history must show every stage
//
//   npm run stress:chaos -- --kill-any [--iterations 30]   many short runs, any worker or spare killed (chaos-kill-any.js)
if (process.argv.includes('--kill-any')) {
  await import('./chaos-kill-any.js');
  process.exit();
}
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkRun, figures, leftoverProcesses } from './chaos-check.js';
import { makeChaosRepo, STAGES } from './chaos-repo.js';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '300' }, workers: { type: 'string', default: '6' }, minutes: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false }, stages: { type: 'boolean', default: false }, verify: { type: 'string' } },
});
const TASKS = Number(values.tasks);
const WORKERS = Number(values.workers);
const CHAOS_MS = Number(values.minutes) * 60_000;
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const rand = (lo, hi) => lo + Math.random() * (hi - lo);
const log = (line) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

// --verify <command>: every landing runs it, so finished tasks go through the merge queue in batches.
const FAST = ['--rescan-ms', '300', '--monitor-ms', '500', '--stale-after-ms', '3000', '--kill-grace-ms', '500', '--retry-backoff-ms', '100', ...(values.verify ? ['--verify', values.verify] : [])];

/** Start `parallel-loop run` (its output to a file); resolves `exited` when the supervisor process ends. */
function startRun(repo, n, extra = []) {
  const out = fs.openSync(path.join(repo, '..', `run-${n}.log`), 'a');
  const child = spawn(process.execPath, [cli, 'run', '--agents', String(WORKERS), ...FAST, ...extra], { cwd: repo, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited };
}

function doneCount(repo) {
  // done/ appears with the first finished task, which for three-stage tasks takes a few seconds.
  const dir = path.join(repo, 'queue', 'done');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')).length : 0;
}

function heartbeats(repo) {
  const dir = path.join(repo, '.parallel-loop', 'agents');
  return fs.readdirSync(dir).flatMap((agent) => {
    try {
      return [{ agent, ...JSON.parse(fs.readFileSync(path.join(dir, agent, 'heartbeat.json'), 'utf8')) }];
    } catch {
      return [];
    }
  });
}

/** Running (not stopped, not a zombie). */
function procState(pid) {
  try {
    return /\) (\S)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))[1];
  } catch {
    return undefined;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const { repo, ids, marker } = makeChaosRepo({ tasks: TASKS, stages: values.stages });
  log(`repo ${repo}: ${TASKS} ${values.stages ? 'three-stage ' : ''}tasks, ${WORKERS} workers, chaos for up to ${values.minutes} min`);
  const started = Date.now();
  let runs = 1;
  let run = startRun(repo, runs);
  const kills = []; // { at, sig, pid, agent, task, gen }
  const stopped = new Set();
  const supervisorKills = [];
  const cont = (pid) => {
    stopped.delete(pid);
    signal(pid, 'SIGCONT');
  };
  await sleep(1500);
  while (doneCount(repo) < TASKS && Date.now() - started < CHAOS_MS) {
    await sleep(rand(1000, 3000));
    // The supervisor dies at a third and at two thirds of the tasks; `run` is started again at once.
    if (supervisorKills.length < 2 && doneCount(repo) >= ((supervisorKills.length + 1) * TASKS) / 3) {
      signal(run.child.pid, 'SIGKILL');
      await run.exited;
      supervisorKills.push({ at: Date.now(), done: doneCount(repo) });
      log(`killed the supervisor (pid ${run.child.pid}) at ${doneCount(repo)} done; starting run #${++runs}`);
      run = startRun(repo, runs);
      continue;
    }
    const victims = heartbeats(repo).filter((h) => procState(h.pid) === 'S' || procState(h.pid) === 'R');
    if (victims.length === 0) continue;
    const v = victims[Math.floor(Math.random() * victims.length)];
    const sig = Math.random() < 0.5 ? 'SIGKILL' : 'SIGSTOP';
    if (!signal(v.pid, sig)) continue;
    kills.push({ at: Date.now(), sig, pid: v.pid, agent: v.agent, task: v.task, gen: v.gen, phase: v.phase, stage: v.stage });
    if (sig === 'SIGSTOP') {
      stopped.add(v.pid);
      setTimeout(() => cont(v.pid), rand(1000, 6000)).unref();
    }
  }
  log(`chaos over after ${((Date.now() - started) / 1000).toFixed(0)} s: ${doneCount(repo)} of ${TASKS} done; letting the run finish`);
  for (const pid of [...stopped]) cont(pid);
  const deadline = Date.now() + 10 * 60_000;
  while (doneCount(repo) < TASKS && Date.now() < deadline) await sleep(500);
  // First signal: finish what runs, then exit; a final `run --once` must find nothing to do.
  signal(run.child.pid, 'SIGTERM');
  await Promise.race([run.exited, sleep(60_000)]);
  const final = startRun(repo, ++runs, ['--once']);
  const finalExit = await final.exited;
  const wallMs = Date.now() - started;
  await sleep(1000);
  const clean = spawn(process.execPath, [cli, 'clean', '--older-than', '0', '--json'], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  let cleanOut = '';
  clean.stdout.on('data', (d) => (cleanOut += d));
  await new Promise((resolve) => clean.on('exit', resolve));

  const violations = checkRun(repo, ids, { finalExit, marker, stages: values.stages ? STAGES : undefined });
  // The promise of done/: each task there has its trailer on main once, and each trailer's task is there.
  const { auditLandings, QueueStore, layoutFor } = await import(pathToFileURL(path.join(path.dirname(cli), '..', 'index.js')).href);
  for (const a of await auditLandings(new QueueStore(layoutFor(repo)), 'main')) violations.push(`invariant: ${a.message}`);
  const f = figures(repo, kills);
  log(`tasks: ${TASKS} in ${(wallMs / 1000).toFixed(0)} s (${runs} runs, supervisor killed ${supervisorKills.length}x)`);
  log(`worker signals: ${f.sigkill} SIGKILL, ${f.sigstop} SIGSTOP (${f.withTask} while holding a task)`);
  if (values.stages) log(`SIGKILL mid-stage: ${STAGES.map((s) => `${s} ${kills.filter((k) => k.sig === 'SIGKILL' && k.task && k.stage === s).length}`).join(', ')}`);
  log(`reclaims: ${f.reclaims}; attempts started: ${f.attempts} for ${TASKS} tasks; repaired at start-up: ${f.repaired}`);
  log(`SIGKILL -> task picked up again: n=${f.killPickup.n}, median ${f.killPickup.median} ms, worst ${f.killPickup.worst} ms (${f.killSettled} settled by the reclaimer without a new attempt)`);
  log(`SIGSTOP -> task picked up again: n=${f.stopPickup.n}, median ${f.stopPickup.median} ms, worst ${f.stopPickup.worst} ms`);
  log(`clean removed ${safeCount(cleanOut, 'removed')} items, kept ${safeCount(cleanOut, 'kept')}`);
  for (const v of violations) log(`VIOLATION: ${v}`);
  const left = leftoverProcesses(repo, marker);
  for (const pid of left) signal(pid, 'SIGKILL');
  if (!values.keep && violations.length === 0) fs.rmSync(path.dirname(repo), { recursive: true, force: true });
  else log(`kept ${path.dirname(repo)} (repo/ and the run logs) for inspection`);
  log(violations.length === 0 ? 'OK' : `${violations.length} violation(s)`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}

function safeCount(json, key) {
  try {
    return JSON.parse(json)[key].length;
  } catch {
    return '?';
  }
}

await main();
