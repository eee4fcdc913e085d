// Benchmark: the merge queue. --tasks tasks whose agent finishes at once (each writes its own file), a
// verify command that takes --verify-seconds, --agents agents: the wall time to land everything and the
// number of verify runs, with batching (the default batchSize) and one at a time (--batch-size 1), in the
// same run, on fresh repositories; then the same with --bad 1 and 3 bad tasks among them (their file
// makes verify fail; they fail once, the rest land).
// Goals (no bad task): at least 4x fewer verify runs and 3x less time with batching.
// Exits 0 whether or not the goals are met; non-zero only when a run fails or a good task does not land.
//   npm run bench:land [-- --tasks 24 --verify-seconds 2 --agents 4 --bad 0,1,3 --keep]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '24' },
    'verify-seconds': { type: 'string', default: '2' },
    agents: { type: 'string', default: '4' },
    bad: { type: 'string', default: '0,1,3' },
    keep: { type: 'boolean', default: false },
  },
});
const TASKS = whole('tasks', values.tasks, 1);
const VERIFY_SECONDS = Number(values['verify-seconds']);
if (!(VERIFY_SECONDS >= 0)) usage(`--verify-seconds must be a number >= 0, got ${values['verify-seconds']}`);
const AGENTS = whole('agents', values.agents, 1);
const BAD = values.bad.split(',').map((n) => whole('bad', n.trim(), 0));
if (BAD.some((b) => b >= TASKS)) usage('--bad must be below --tasks');
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!fs.existsSync(CLI)) usage(`${CLI} does not exist; build first (npm run build)`);

function usage(message) {
  console.error(`bench:land: ${message}`);
  process.exit(2);
}
function whole(name, text, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be a whole number >= ${min}, got ${text}`);
  return n;
}
function git(cwd, args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr}`);
  return r.stdout.trim();
}

const id = (i) => `t${String(i).padStart(2, '0')}`;
// Bad tasks spread through the queue, not bunched at one end.
const badIds = (n) => new Set(Array.from({ length: n }, (_, k) => id(1 + Math.floor(((k + 0.5) * TASKS) / n))));

function makeRepo(bad) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-bench-land-'));
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(path.join(repo, 'queue'), { recursive: true });
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.name', 'bench']);
  git(repo, ['config', 'user.email', 'bench@localhost']);
  git(repo, ['config', 'commit.gpgsign', 'false']);
  fs.writeFileSync(path.join(repo, 'README.md'), '# bench\n');
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'initial']);
  for (let i = 1; i <= TASKS; i++) {
    const file = bad.has(id(i)) ? `bad-${id(i)}.txt` : `${id(i)}.txt`;
    const task = { prompt: `Write ${file}`, agent: 'shell', run: `echo ${id(i)} > ${file}`, maxAttempts: 1 };
    fs.writeFileSync(path.join(repo, 'queue', `${id(i)}.json`), JSON.stringify(task));
  }
  return { dir, repo, log: path.join(dir, 'verify-runs.log') };
}

function runOnce(batchSize, badCount) {
  const bad = badIds(badCount);
  const { dir, repo, log } = makeRepo(bad);
  const verify = `echo "run $PL_TASKS" >> ${log}; sleep ${VERIFY_SECONDS}; if ls bad-*.txt >/dev/null 2>&1; then echo "a bad file is in the tree"; exit 1; fi`;
  const args = [CLI, 'run', '--agents', String(AGENTS), '--once', '--verify', verify, '--batch-size', String(batchSize)];
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const runs = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).length : 0;
      const done = fs.readdirSync(path.join(repo, 'queue', 'done')).filter((f) => f.endsWith('.json')).length;
      const failed = fs.readdirSync(path.join(repo, 'queue', 'failed')).filter((f) => f.endsWith('.json') && !f.endsWith('.error.json')).length;
      const body = git(repo, ['log', '--first-parent', '--format=%B', 'main']);
      const landedTwice = [...body.matchAll(/^Parallel-Loop-Task: (.+)$/gm)].map((m) => m[1]).filter((t, i, all) => all.indexOf(t) !== i);
      if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
      const expected = code === (badCount > 0 ? 1 : 0) && done === TASKS - badCount && failed === badCount && landedTwice.length === 0;
      if (!expected) reject(new Error(`batchSize ${batchSize}, ${badCount} bad: exit ${code}, ${done} done, ${failed} failed, landed twice: ${landedTwice.join(' ') || 'none'}\n${stderr}`));
      else resolve({ wallMs, runs });
    });
  });
}

const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;
console.log(`bench:land: ${TASKS} tasks, verify ${VERIFY_SECONDS} s, ${AGENTS} agents, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('bad  mode          wall     verify runs');
let failedGoal = false;
for (const badCount of BAD) {
  const alone = await runOnce(1, badCount);
  const batched = await runOnce(8, badCount);
  console.log(`${String(badCount).padStart(3)}  one at a time  ${fmt(alone.wallMs).padStart(7)}  ${String(alone.runs).padStart(5)}`);
  console.log(`${String(badCount).padStart(3)}  batches of 8   ${fmt(batched.wallMs).padStart(7)}  ${String(batched.runs).padStart(5)}`);
  const fewer = alone.runs / batched.runs;
  const faster = alone.wallMs / batched.wallMs;
  console.log(`     ratio: ${fewer.toFixed(1)}x fewer verify runs, ${faster.toFixed(1)}x less time`);
  if (badCount === 0 && (fewer < 4 || faster < 3)) failedGoal = true;
}
console.log(failedGoal ? 'Goal (4x fewer runs, 3x less time, no bad task): NOT met' : 'Goal (4x fewer runs, 3x less time, no bad task): met');
