// Chaos of start-up and shutdown: `run --once --agents 4` on 24 one-second tasks while any node child of
// the supervisor (a worker at any step, a pre-forked spare) is SIGKILLed at short random intervals, with two
// busy loops loading the machine from outside. Repeated for --iterations runs. Each run must end by itself
// (the supervisor never crashes), and then: every task in done/ has its trailer on the target exactly once,
// every landed trailer's task is in done/, and a final peaceful `run --once` finds everything done.
// A failing run's folder is kept, and its path printed.
//
//   npm run stress:chaos -- --kill-any [--iterations 30 --tasks 24 --workers 4 --load 2 --min-ms 300 --max-ms 2000 --keep]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkRun } from './chaos-check.js';
import { makeChaosRepo } from './chaos-repo.js';

const { values } = parseArgs({
  options: {
    'kill-any': { type: 'boolean' },
    iterations: { type: 'string', default: '30' },
    tasks: { type: 'string', default: '24' },
    workers: { type: 'string', default: '4' },
    load: { type: 'string', default: '2' },
    'min-ms': { type: 'string', default: '300' },
    'max-ms': { type: 'string', default: '2000' },
    keep: { type: 'boolean', default: false },
  },
});
const ITERATIONS = Number(values.iterations);
const TASKS = Number(values.tasks);
const WORKERS = Number(values.workers);
const [MIN_MS, MAX_MS] = [Number(values['min-ms']), Number(values['max-ms'])];
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const cli = path.join(dist, 'cli', 'main.js');
const { auditLandings, QueueStore, layoutFor } = await import(pathToFileURL(path.join(dist, 'index.js')).href);
const rand = (lo, hi) => lo + Math.random() * (hi - lo);
const log = (line) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const FAST = ['--rescan-ms', '300', '--monitor-ms', '300', '--stale-after-ms', '3000', '--kill-grace-ms', '300', '--retry-backoff-ms', '100'];

/**
 * Pids of the worker processes whose parent is `ppid` (the supervisor's workers and spares). By command
 * line, not name: a git child of the supervisor is still called node between fork and exec.
 */
function nodeChildren(ppid) {
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
      if (m && m[2] !== 'Z' && Number(m[3]) === ppid && fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('worker/entry.')) found.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function startRun(repo, name, extra = []) {
  const out = fs.openSync(path.join(repo, '..', `${name}.log`), 'a');
  const child = spawn(process.execPath, [cli, 'run', '--agents', String(WORKERS), '--once', ...FAST, ...extra], { cwd: repo, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited };
}

async function iteration(n) {
  const { repo, ids, marker } = makeChaosRepo({ tasks: TASKS, prefix: 'pl-chaos-any-', sleep: () => '1', config: { maxAttempts: 1000 } });
  const run = startRun(repo, 'run');
  let ended;
  run.exited.then((e) => (ended = e));
  const kills = [];
  // Each kill of a worker that holds a task costs that task an attempt; at one kill a second a task may lose
  // many in a row, which is the kills' doing, so attempts are not what this run checks.
  // From the first moment: spares live only until their slots take them, ~200 ms after start.
  await sleep(rand(0, 300));
  const deadline = Date.now() + 5 * 60_000;
  while (!ended && Date.now() < deadline) {
    const victims = nodeChildren(run.child.pid);
    const pid = victims[Math.floor(Math.random() * victims.length)];
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
        kills.push(pid);
      } catch {
        // Exited meanwhile.
      }
    }
    await Promise.race([run.exited, sleep(rand(MIN_MS, MAX_MS))]);
  }
  const first = ended ?? (run.child.kill('SIGKILL'), await run.exited, { code: null, signal: 'timeout' });
  const runLog = fs.readFileSync(path.join(repo, '..', 'run.log'), 'utf8');
  const problems = [];
  // Exit 1 is a task failure (attempts lost to kills); anything else, or a stack trace, is the supervisor's crash.
  if (first.signal || (first.code !== 0 && first.code !== 1)) problems.push(`the run ended with ${first.code ?? first.signal}`);
  if (/\n\s+at |Error: write EPIPE|ERR_IPC_CHANNEL_CLOSED/.test(runLog)) problems.push('the run printed a stack trace or an IPC error (see run.log)');
  const store = new QueueStore(layoutFor(repo));
  for (const v of await auditLandings(store, 'main')) problems.push(`after the chaos run: ${v.message}`);
  const doneAfterChaos = store.taskFiles('done').length;
  const final = startRun(repo, 'final');
  const finalExit = await final.exited;
  const clean = spawn(process.execPath, [cli, 'clean', '--older-than', '0'], { cwd: repo, stdio: 'ignore' });
  await new Promise((resolve) => clean.on('exit', resolve));
  problems.push(...checkRun(repo, ids, { finalExit, marker }));
  for (const v of await auditLandings(store, 'main')) problems.push(v.message);
  const crashed = problems.some((p) => p.startsWith('the run'));
  log(`#${n}: ${kills.length} kills, ${doneAfterChaos}/${TASKS} done after the chaos run (exit ${first.code ?? first.signal}); ${problems.length ? `${problems.length} violation(s)` : 'ok'}`);
  for (const p of problems) log(`  VIOLATION: ${p}`);
  if (problems.length === 0 && !values.keep) fs.rmSync(path.dirname(repo), { recursive: true, force: true });
  else log(`  kept ${path.dirname(repo)}`);
  return { kills: kills.length, problems, crashed, doneNotLanded: problems.filter((p) => /in done\/ but its trailer is not/.test(p)).length, twice: problems.filter((p) => /landed ([2-9]|\d\d+) times/.test(p)).length };
}

const loads = Array.from({ length: Number(values.load) }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
const results = [];
try {
  log(`${ITERATIONS} runs of ${TASKS} one-second tasks on ${WORKERS} agents, any worker or spare SIGKILLed every ${MIN_MS}-${MAX_MS} ms, ${loads.length} busy loops`);
  for (let i = 1; i <= ITERATIONS; i++) results.push(await iteration(i));
} finally {
  for (const l of loads) l.kill('SIGKILL');
}
const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const failed = results.filter((r) => r.problems.length > 0).length;
log(`kill-any: ${results.length} runs, ${sum('kills')} SIGKILLs; supervisor crashes ${results.filter((r) => r.crashed).length}; done without landing ${sum('doneNotLanded')}; landed twice ${sum('twice')}; runs with a violation ${failed}`);
log(failed === 0 ? 'OK' : `${failed} run(s) failed`);
process.exitCode = failed === 0 ? 0 : 1;
