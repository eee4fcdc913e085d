// Stress test of lock-free landing: many processes land many attempt branches on one target at once.
//
//   node stress/landing.js [--tasks 200] [--workers 6] [--no-checkout] [--lock-free [--max-tries 100]] [--batch 8] [--keep]
//
// --batch N lands each worker's share in batches of N through the merge queue's landBatch (one verify run,
// a command that passes, and one move of the ref per batch), racing the other workers' batches.
// --lock-free lands without taking turns (serialize: false): only the compare-and-swap keeps each task landing
// once, and lost races are retried, up to --max-tries times (default 20, as in landAttempt).
// Makes a repository, prepares one attempt branch per task (each adds its own file), then forks worker
// processes that land their share at the same moment. Every 10th task is also landed by a second worker
// from a second attempt branch, as a stalled owner waking up after a reclaim would. Checks that the
// first-parent history holds each task's trailer exactly once, that the final tree has every file and,
// unless --no-checkout, that the main checkout (on the target) was fast-forwarded and is clean.
// Prints figures; exits 1 on any violation. Needs `npm run build` first (imports ../dist).
import { execFile, execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const git = (cwd, args, options = {}) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...options }).trim();
const taskId = (i) => `task-${String(i).padStart(3, '0')}`;

if (process.argv[2] === 'worker') await worker(process.argv[3], process.argv[4], process.argv[5] === 'serialize', Number(process.argv[6]), Number(process.argv[7]));
else await main();

// Messages that arrive while no 'message' listener is attached are dropped, and the parent sends the jobs
// right after fork, while this process may still be loading: listen before the first await.
function inbox() {
  const queue = [];
  const waiting = [];
  process.on('message', (m) => (waiting.length ? waiting.shift()(m) : queue.push(m)));
  return () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

// ---- worker process: land the tasks it is sent once the coordinator says go ----
async function worker(repo, base, serialize, maxTries, batch) {
  const next = inbox();
  const { landAttempt } = await import(pathToFileURL(path.join(dist, 'merge', 'land.js')).href);
  const { landBatch } = await import(pathToFileURL(path.join(dist, 'merge', 'batch.js')).href);
  const jobs = await next();
  await next(); // go
  const results = [];
  if (batch > 0) {
    const verify = () => new Promise((resolve) => execFile('true', (err) => resolve({ ok: !err, output: '' })));
    for (let i = 0; i < jobs.length; i += batch) {
      const chunk = jobs.slice(i, i + batch);
      const started = performance.now();
      try {
        const members = chunk.map((job) => ({ taskId: job.id, branch: job.branch, base, title: `stress ${job.id}`, attempt: job.attempt }));
        const report = await landBatch({ repo, target: 'main', members, serialize, maxTries, verify });
        for (const job of chunk) {
          const r = report.results.get(job.id);
          results.push({ id: job.id, status: r.status, tries: r.tries ?? 1, ms: (performance.now() - started) / chunk.length, checkouts: r.checkouts, error: r.reason });
        }
      } catch (err) {
        for (const job of chunk) results.push({ id: job.id, status: 'error', error: String(err?.message ?? err) });
      }
    }
    process.send(results, () => process.exit(0));
    return;
  }
  for (const job of jobs) {
    const started = performance.now();
    try {
      const r = await landAttempt({ repo, target: 'main', branch: job.branch, base, taskId: job.id, title: `stress ${job.id}`, attempt: job.attempt, serialize, maxTries });
      results.push({ id: job.id, status: r.status, tries: r.tries ?? 1, ms: performance.now() - started, checkouts: r.checkouts });
    } catch (err) {
      results.push({ id: job.id, status: 'error', error: String(err?.message ?? err) });
    }
  }
  process.send(results, () => process.exit(0));
}

// ---- coordinator ----
function makeBranch(repo, base, branch, file, content) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-stress-idx-'));
  const env = { ...process.env, GIT_INDEX_FILE: path.join(tmp, 'index') };
  try {
    git(repo, ['read-tree', base], { env });
    const blob = git(repo, ['hash-object', '-w', '--stdin'], { env, input: content });
    git(repo, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
    const tree = git(repo, ['write-tree'], { env });
    const commit = git(repo, ['commit-tree', tree, '-p', base, '-m', `work on ${branch}`], { env });
    git(repo, ['update-ref', `refs/heads/${branch}`, commit]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const tasks = arg('tasks', 200);
  const workers = arg('workers', 6);
  const withCheckout = !process.argv.includes('--no-checkout');
  const serialize = !process.argv.includes('--lock-free');
  const maxTries = arg('max-tries', 20);
  const batch = arg('batch', 0);
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pl-stress-landing-')));
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.name', 'Stress']);
  git(repo, ['config', 'user.email', 'stress@example.com']);
  fs.writeFileSync(path.join(repo, 'README.md'), '# stress\n');
  git(repo, ['add', '.']);
  git(repo, ['commit', '-q', '-m', 'initial']);
  const base = git(repo, ['rev-parse', 'HEAD']);
  if (!withCheckout) git(repo, ['checkout', '-q', '--detach']);

  const prepStart = performance.now();
  const shares = Array.from({ length: workers }, () => []);
  let duplicates = 0;
  for (let i = 0; i < tasks; i++) {
    const id = taskId(i);
    makeBranch(repo, base, `pl/${id}/1`, `tasks/${id}.txt`, `${id}\n`);
    shares[i % workers].push({ id, branch: `pl/${id}/1`, attempt: 1 });
    if (i % 10 === 0) {
      makeBranch(repo, base, `pl/${id}/2`, `tasks/${id}.txt`, `${id}\n`);
      shares[(i + 1) % workers].push({ id, branch: `pl/${id}/2`, attempt: 2 });
      duplicates++;
    }
  }
  console.log(`prepared ${tasks} tasks (+${duplicates} second landers) in ${Math.round(performance.now() - prepStart)} ms; ${workers} workers; main checkout ${withCheckout ? 'on the target' : 'detached'}; ${serialize ? 'landers take turns' : `lock-free, up to ${maxTries} tries`}${batch > 0 ? `; batches of ${batch}` : ''}`);

  const children = shares.map(() => fork(fileURLToPath(import.meta.url), ['worker', repo, base, serialize ? 'serialize' : 'lock-free', String(maxTries), String(batch)], { stdio: 'inherit' }));
  children.forEach((child, i) => child.send(shares[i]));
  await new Promise((r) => setTimeout(r, 1500)); // every worker loaded its modules
  const started = performance.now();
  const done = children.map(
    (child, i) =>
      new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`worker ${i} exited with code ${code} before reporting`)));
      }),
  );
  children.forEach((child) => child.send('go'));
  const results = (
    await Promise.all(done).catch((err) => {
      children.forEach((child) => child.kill());
      console.error(`FAILED: ${err.message}`);
      process.exit(1);
    })
  ).flat();
  const seconds = (performance.now() - started) / 1000;

  const problems = [];
  const byStatus = {};
  for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  for (const r of results.filter((x) => x.status === 'error')) problems.push(`${r.id}: ${r.error}`);
  const landed = results.filter((r) => r.status === 'landed');
  const retries = landed.reduce((sum, r) => sum + r.tries - 1, 0);
  const mostTries = Math.max(...landed.map((r) => r.tries));
  if (landed.length !== tasks) problems.push(`${landed.length} landings reported, expected ${tasks}`);

  const log = git(repo, ['log', '--first-parent', '--format=%B', 'main']).split('\n');
  for (let i = 0; i < tasks; i++) {
    const n = log.filter((l) => l === `Parallel-Loop-Task: ${taskId(i)}`).length;
    if (n !== 1) problems.push(`${taskId(i)}: trailer found ${n} times on the first-parent history`);
  }
  const files = git(repo, ['ls-tree', '-r', '--name-only', 'main', 'tasks/']).split('\n').filter(Boolean);
  if (files.length !== tasks) problems.push(`final tree has ${files.length} task files, expected ${tasks}`);
  if (withCheckout) {
    const status = git(repo, ['status', '--porcelain']);
    if (status !== '') problems.push(`main checkout not clean after landing:\n${status}`);
    const onDisk = fs.readdirSync(path.join(repo, 'tasks')).length;
    if (onDisk !== tasks) problems.push(`main checkout has ${onDisk} task files on disk, expected ${tasks}`);
    const behind = results.flatMap((r) => r.checkouts ?? []).filter((c) => c.state === 'behind');
    if (behind.length) problems.push(`${behind.length} checkout updates left it behind: ${behind[0].reason}`);
  }

  const ms = landed.map((r) => r.ms).sort((a, b) => a - b);
  console.log(`statuses: ${JSON.stringify(byStatus)}`);
  console.log(`${landed.length} landings in ${seconds.toFixed(2)} s = ${(landed.length / seconds).toFixed(1)} landings/s`);
  console.log(`CAS retries: ${retries} (most tries for one task: ${mostTries}); per landing p50 ${ms[ms.length >> 1]?.toFixed(0)} ms, max ${ms.at(-1)?.toFixed(0)} ms`);
  if (process.argv.includes('--keep')) console.log(`kept ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
  if (problems.length) {
    console.error(`FAILED: ${problems.length} violation(s)\n${problems.slice(0, 20).join('\n')}`);
    process.exit(1);
  }
  console.log('OK: every task landed exactly once');
}
