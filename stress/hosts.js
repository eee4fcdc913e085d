// Chaos across hosts: N "hosts" on this machine, each a UTS, PID and mount namespace of its own
// (`unshare --uts --pid --fork --mount-proc`, so root) with its own clone and worktrees, share one queue
// and state folder and land on one bare remote (`--target origin/main`). Tasks keep arriving while a
// random host is killed whole (SIGKILL to its namespace's pid 1: the kernel kills every process in it at
// once) and started again a few seconds later under the same host id. Then every host drains the queue
// in peace, and the invariants are checked:
//   every task in done/ once and nowhere else (none lost), its trailer on origin/main exactly once,
//   done/ and the remote agree (auditLandings), no task's agent ran twice at the same time, and nothing
//   of any host is left running. Exit 1 on any violation (the folder is kept), 2 when unshare is refused.
//
//   npm run stress:hosts [-- --minutes 3 --hosts 3 --agents 2 --verify 'sleep 0.2' --keep]
// With --verify every landing goes through the merge queue: a task made ready by a host that is then
// killed lands from its branch's copy on the remote, by another host's lander.
//
// Needs `npm run build` first (runs ../dist/cli/main.js).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    hosts: { type: 'string', default: '3' },
    agents: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    verify: { type: 'string' },
  },
});
const CHAOS_MS = Number(values.minutes) * 60_000;
const HOSTS = Array.from({ length: Number(values.hosts) }, (_, i) => `host-${String.fromCharCode(97 + i)}`);
const AGENTS = Number(values.agents);
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const rand = (lo, hi) => lo + Math.random() * (hi - lo);
const log = (line) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 }).trim();
const STALE_AFTER_MS = 3000;
// A task whose hosts die under it again and again uses an attempt each time; the stress is about none being
// lost or landed twice, so attempts do not run out.
const TIMINGS = { maxAttempts: 1000, maxRestarts: 10_000, heartbeatMs: 500, staleAfterMs: STALE_AFTER_MS, monitorMs: 400, rescanMs: 300, retryBackoffMs: 100, restartBackoffMs: 200, killGraceMs: 500, pauseCpuPercent: 100, pauseMemoryPercent: 100 };

try {
  execFileSync('unshare', ['--uts', '--pid', '--fork', '--mount-proc', 'true'], { stdio: 'pipe' });
} catch (err) {
  console.error(`stress:hosts needs \`unshare --uts --pid --fork --mount-proc\` (root): ${err.stderr?.toString().trim() || err.message}`);
  process.exit(2);
}

/** `git daemon` serving `dir` on a free loopback port, pushes allowed; ended when this script exits. */
async function startDaemon(dir) {
  for (let tries = 0; tries < 20; tries++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    // git-daemon itself, not `git daemon`: the wrapper would leave it running when killed.
    const child = spawn(path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-daemon'), ['--export-all', '--enable=receive-pack', `--base-path=${dir}`, '--listen=127.0.0.1', `--port=${port}`, '--reuseaddr', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Up once it answers: a port taken ends it at once.
    for (let i = 0; i < 50; i++) {
      if (await Promise.race([exited.then(() => 'gone'), sleep(100)]) === 'gone') break;
      try {
        execFileSync('git', ['ls-remote', `git://127.0.0.1:${port}/origin.git`], { stdio: 'pipe' });
        // Never what keeps this script alive; ended with it.
        child.stderr.destroy();
        child.unref();
        process.on('exit', () => child.kill('SIGKILL'));
        return { port, child };
      } catch {
        // not yet listening
      }
    }
    child.kill('SIGKILL');
    if (tries === 19) throw new Error(`git daemon would not start: ${err.trim()}`);
  }
}

// --- the world: a bare remote, the shared folders, a clone per host -------------------------------
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-stress-hosts-'));
const origin = path.join(root, 'origin.git');
const queue = path.join(root, 'shared', 'queue');
const state = path.join(root, 'shared', 'state');
fs.mkdirSync(path.join(root, 'seed'), { recursive: true });
git(path.join(root, 'seed'), 'init', '-q', '-b', 'main');
fs.writeFileSync(path.join(root, 'seed', 'README.md'), '# shared\n');
git(path.join(root, 'seed'), 'add', '-A');
git(path.join(root, 'seed'), '-c', 'user.name=Seed', '-c', 'user.email=seed@example.com', 'commit', '-q', '-m', 'initial');
git(root, 'init', '-q', '--bare', '-b', 'main', origin);
git(path.join(root, 'seed'), 'push', '-q', origin, 'main:main');
// The remote is served by `git daemon` outside every host's namespaces, as a git server is: a push's
// receive-pack then runs on the server's side and does not die with the host that pushed. Over a plain path
// it would run inside the pushing host, and a host killed mid-push left refs/heads/main.lock in the bare
// repository, refusing every later push until a person removed it (a server cleans such a lock up itself).
const daemon = await startDaemon(root);
const originUrl = `git://127.0.0.1:${daemon.port}/origin.git`;
fs.mkdirSync(path.join(queue, '.tmp'), { recursive: true, mode: 0o755 });
const clones = {};
for (const host of HOSTS) {
  const clone = path.join(root, host, 'clone');
  fs.mkdirSync(path.dirname(clone), { recursive: true });
  git(root, 'clone', '-q', originUrl, clone);
  git(clone, 'config', 'user.name', 'Test');
  git(clone, 'config', 'user.email', 'test@example.com');
  fs.writeFileSync(path.join(clone, '.parallel-loop.json'), JSON.stringify({ ...TIMINGS, ...(values.verify ? { verify: values.verify } : {}) }, null, 2));
  clones[host] = clone;
}

const files = (dir) => (fs.existsSync(path.join(queue, dir)) ? fs.readdirSync(path.join(queue, dir)).filter((n) => n.endsWith('.json') && !n.endsWith('.error.json')) : []);
const ids = [];
function addTasks(n) {
  for (let i = 0; i < n; i++) {
    const id = `t${String(ids.length + 1).padStart(4, '0')}`;
    ids.push(id);
    const tmp = path.join(queue, '.tmp', `${id}.json`);
    fs.writeFileSync(tmp, JSON.stringify({ prompt: `Task ${id}`, agent: 'shell', run: `sleep 0.3; echo ${id} > ${id}.txt` }));
    fs.renameSync(tmp, path.join(queue, `${id}.json`));
  }
}
const inboxCount = () => fs.readdirSync(queue).filter((n) => n.endsWith('.json')).length;

// --- hosts ------------------------------------------------------------------------------------------
// pid 1 of each namespace is a shell that names the host and waits on the run (dash reaps any child).
const INIT = 'hostname "$1" && shift && "$@"';
const live = new Map();
/** Per host: [started, killed] intervals of its incarnations, on this clock. */
const lives = Object.fromEntries(HOSTS.map((h) => [h, []]));
let runs = 0;

function startHost(host, once = false) {
  const out = fs.openSync(path.join(root, host, `run-${++runs}.log`), 'a');
  const args = ['run', '--repo', clones[host], '--queue', queue, '--state', state, '--worktrees', path.join(root, host, 'worktrees'), '--host-id', host, '--agents', String(AGENTS), '--target', 'origin/main', ...(once ? ['--once'] : [])];
  const child = spawn('unshare', ['--uts', '--pid', '--fork', '--mount-proc', 'sh', '-c', INIT, 'sh', host, process.execPath, cli, ...args], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const life = { start: Date.now(), end: Infinity };
  lives[host].push(life);
  const h = { host, child, exited, life };
  live.set(host, h);
  void exited.then(() => {
    if (life.killed === undefined) life.end = Date.now();
    if (live.get(host) === h) live.delete(host);
  });
  return h;
}

function pidNamespace(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

function inNamespace(ns) {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try {
      return fs.readlinkSync(`/proc/${n}/ns/pid`) === ns && !/\) Z/.test(fs.readFileSync(`/proc/${n}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** SIGKILL the namespace's pid 1; the kernel kills the rest. Resolves once none of it is left. */
async function killHost(h) {
  let init;
  try {
    init = Number(fs.readFileSync(`/proc/${h.child.pid}/task/${h.child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 0;
  }
  const ns = init ? pidNamespace(init) : undefined;
  if (!ns) return 0;
  const count = inNamespace(ns).length;
  h.life.killed = Date.now();
  process.kill(init, 'SIGKILL');
  while (inNamespace(ns).length > 0) await sleep(20);
  // The incarnation ends when its last process is gone: one busy on another core may still write an event
  // in the few milliseconds between the kill of pid 1 and its own.
  h.life.end = Date.now();
  await h.exited;
  return count;
}

// A crash or Ctrl-C of this script must not leave hosts running in their namespaces.
const killAll = () => {
  for (const h of live.values()) {
    try {
      const init = Number(fs.readFileSync(`/proc/${h.child.pid}/task/${h.child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      if (init) process.kill(init, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
};
process.on('exit', killAll);
process.on('SIGINT', () => process.exit(130));
process.on('uncaughtException', (err) => {
  console.error(err);
  log(`kept ${root}`);
  process.exit(1);
});

// --- chaos ------------------------------------------------------------------------------------------
const started = Date.now();
addTasks(30);
for (const host of HOSTS) startHost(host);
log(`${HOSTS.length} hosts x ${AGENTS} agents, chaos for ${values.minutes} min in ${root}`);
const kills = [];
let nextKill = Date.now() + rand(3000, 8000);
const pendingStarts = [];
while (Date.now() - started < CHAOS_MS) {
  if (inboxCount() < 10) addTasks(10);
  if (Date.now() >= nextKill) {
    const candidates = [...live.values()].filter((h) => Date.now() - h.life.start > 2000);
    // Keep one host alive, so the queue keeps moving while the others come and go.
    if (candidates.length > 0 && live.size > 1) {
      const h = candidates[Math.floor(Math.random() * candidates.length)];
      const n = await killHost(h);
      kills.push({ host: h.host, at: h.life.killed, processes: n });
      log(`killed ${h.host} (${n} processes); done ${doneCount()}/${ids.length}`);
      pendingStarts.push({ host: h.host, at: Date.now() + rand(1000, 5000) });
    }
    nextKill = Date.now() + rand(3000, 10000);
  }
  for (const p of pendingStarts.splice(0)) {
    if (Date.now() >= p.at && !live.has(p.host)) startHost(p.host);
    else pendingStarts.push(p);
  }
  await sleep(100);
}

// --- peace: every host stops at once, then each drains with --once ----------------------------------
log(`chaos over after ${kills.length} host kills; draining ${ids.length} tasks`);
for (const h of [...live.values()]) {
  const n = await killHost(h);
  kills.push({ host: h.host, at: h.life.killed, processes: n, final: true });
}
const finals = HOSTS.map((host) => startHost(host, true));
const exits = await Promise.all(finals.map((h) => h.exited));

// --- checks -----------------------------------------------------------------------------------------
const violations = [];
const done = files('done');
for (const id of ids) if (!done.includes(`${id}.json`)) violations.push(`${id} is not in done/ (lost)`);
for (const dir of ['.', 'running', 'failed', 'rejected']) for (const name of files(dir)) violations.push(`${name} is in ${dir === '.' ? 'the inbox' : `${dir}/`}`);
exits.forEach((e, i) => e.code !== 0 && violations.push(`the final run of ${HOSTS[i]} exited with ${e.code ?? e.signal}`));

const landed = new Map();
for (const line of git(origin, 'log', '--first-parent', '--format=%B', 'main').split('\n')) {
  const m = /^Parallel-Loop-Task: (.+)$/.exec(line);
  if (m) landed.set(m[1], (landed.get(m[1]) ?? 0) + 1);
}
const tree = new Set(git(origin, 'ls-tree', '-r', '--name-only', 'main').split('\n'));
for (const id of ids) {
  if ((landed.get(id) ?? 0) !== 1) violations.push(`${id} landed ${landed.get(id) ?? 0} times on origin/main`);
  if (!tree.has(`${id}.txt`)) violations.push(`${id}.txt is not in origin/main's tree`);
}
const { auditLandings, QueueStore, layoutFor } = await import(pathToFileURL(path.join(path.dirname(cli), '..', 'index.js')).href);
const layout = layoutFor(clones[HOSTS[0]], { queue, state });
for (const a of await auditLandings(new QueueStore(layout), 'main', { repo: origin })) violations.push(`invariant: ${a.message}`);

const events = readEvents(path.join(state, 'events.jsonl'));
violations.push(...overlaps(events));
for (const pid of leftovers()) violations.push(`process ${pid} (${cmdline(pid)}) is still running`);

const reclaims = events.filter((e) => e.type === 'reclaimed');
// A reclaimer is a worker (`<host>/agent-N`: by its monitor) or a supervisor starting again on the dead
// host (`sup-…`: by its start-up repair, which judges its own host's dead pids at once).
const crossHost = reclaims.filter((e) => String(e.agent).includes('/') && hostOf(e.from) !== hostOf(e.agent));
const onRestart = reclaims.filter((e) => String(e.agent).startsWith('sup-'));
log(`${ids.length} tasks, ${kills.filter((k) => !k.final).length} host kills (${kills.reduce((n, k) => n + k.processes, 0)} processes), ` +
  `${reclaims.length} reclaims (${crossHost.length} by another host, ${onRestart.length} by the host started again), ${events.filter((e) => e.type === 'attempt-started').length} attempts, ` +
  `${events.filter((e) => e.type === 'repaired').length} repairs, ${Math.round((Date.now() - started) / 1000)} s; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (values.verify) {
  // With the merge queue: landings by a host other than the one whose agent made the task ready came from
  // the branch's copy on the remote. A copy left (a host killed while it deleted it) holds nothing that is
  // not on main: counted, not a violation.
  const readyBy = new Map(events.filter((e) => e.type === 'ready').map((e) => [e.task, hostOf(e.agent)]));
  const fromRemote = events.filter((e) => e.type === 'landed' && readyBy.has(e.task) && hostOf(e.agent) !== readyBy.get(e.task)).length;
  const copies = git(origin, 'for-each-ref', '--format=%(refname)', 'refs/parallel-loop/ready/').split('\n').filter(Boolean).length;
  log(`merge queue: ${events.filter((e) => e.type === 'batch').length} batches, ${fromRemote} landings by another host than the one that made the task ready, ${copies} ready copies left on the remote`);
}
if (violations.length > 0) {
  for (const v of violations.slice(0, 50)) log(`VIOLATION ${v}`);
  log(`${violations.length} violations; kept ${root}`);
  process.exit(1);
}
log('OK: every task done once and landed once on origin/main, none lost, none run twice at once, nothing left running');
if (!values.keep) fs.rmSync(root, { recursive: true, force: true });
else log(`kept ${root}`);

// --- helpers of the checks --------------------------------------------------------------------------
function hostOf(agent) {
  return typeof agent === 'string' && agent.includes('/') ? agent.slice(0, agent.indexOf('/')) : agent;
}

function doneCount() {
  return files('done').length;
}

/**
 * Attempts of one task whose agents ran at the same time. An attempt runs from its `attempt-started` to
 * its `attempt-finished`; one that never finished ran until its host was killed (the incarnation it
 * started in). Every host kill ends all of that host's attempts at once, which is what the stress relies on.
 */
function overlaps(all) {
  const found = [];
  const finished = new Map(all.filter((e) => e.type === 'attempt-finished').map((e) => [`${e.task}#${e.gen}`, Date.parse(e.time)]));
  const byTask = new Map();
  for (const e of all.filter((x) => x.type === 'attempt-started')) {
    const start = Date.parse(e.time);
    const host = hostOf(e.agent);
    const life = lives[host]?.find((l) => l.start <= start && start <= l.end);
    const end = finished.get(`${e.task}#${e.gen}`) ?? life?.end ?? Infinity;
    byTask.set(e.task, [...(byTask.get(e.task) ?? []), { gen: e.gen, agent: e.agent, start, end }]);
  }
  for (const [task, attempts] of byTask) {
    attempts.sort((a, b) => a.start - b.start);
    for (let i = 1; i < attempts.length; i++) {
      const [a, b] = [attempts[i - 1], attempts[i]];
      if (b.start < a.end) found.push(`${task} ran twice at once: gen ${a.gen} by ${a.agent} until ${iso(a.end)}, gen ${b.gen} by ${b.agent} from ${iso(b.start)}`);
    }
  }
  return found;
}

function iso(ms) {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 23) : 'never ended';
}

function readEvents(file) {
  return fs.readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line)] : [];
    } catch {
      return [];
    }
  });
}

/** Processes whose working directory is inside the stress folder (hosts, workers, agents, git). */
function leftovers() {
  const real = fs.realpathSync(root);
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid).filter((n) => {
    try {
      const cwd = fs.readlinkSync(`/proc/${n}/cwd`);
      return (cwd === real || cwd.startsWith(real + '/')) && !/\) Z/.test(fs.readFileSync(`/proc/${n}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }).map(Number);
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 80);
  } catch {
    return '?';
  }
}
