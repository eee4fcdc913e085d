// The end-of-run checks and figures of stress/chaos.js, read from the repository, the queue and the event log.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const git = (repo, ...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', maxBuffer: 256 << 20 }).trim();

/** Every violation of the run's promises, as readable lines. `stages`: the stages each task's history must show. */
export function checkRun(repo, ids, { finalExit, marker, stages }) {
  const v = [];
  const queue = path.join(repo, 'queue');
  const files = (dir) => fs.readdirSync(path.join(queue, dir)).filter((n) => n.endsWith('.json') && !n.endsWith('.error.json'));
  const done = files('done');
  for (const id of ids) if (!done.includes(`${id}.json`)) v.push(`${id} is not in done/`);
  for (const name of done) if (!ids.includes(name.slice(0, -5))) v.push(`unexpected file in done/: ${name}`);
  for (const dir of ['.', 'running', 'failed', 'rejected']) for (const name of files(dir)) v.push(`${name} is in ${dir === '.' ? 'the inbox' : `${dir}/`}`);

  const landed = new Map();
  for (const line of git(repo, 'log', '--first-parent', '--format=%B', 'main').split('\n')) {
    const m = /^Parallel-Loop-Task: (.+)$/.exec(line);
    if (m) landed.set(m[1], (landed.get(m[1]) ?? 0) + 1);
  }
  const tree = new Set(git(repo, 'ls-tree', '-r', '--name-only', 'main').split('\n'));
  for (const id of ids) {
    if ((landed.get(id) ?? 0) !== 1) v.push(`${id} landed ${landed.get(id) ?? 0} times on main (first-parent)`);
    if (!tree.has(`${id}.txt`)) v.push(`${id}.txt is not in the final tree`);
    // The agent removes its marker as its last step: a marker on main means a half-done attempt landed.
    if (tree.has(`${id}.part`)) v.push(`${id}.part (a half-done attempt's marker) is in the final tree`);
  }
  if (stages) {
    const ran = new Map();
    for (const e of readEvents(repo)) if (e.type === 'attempt-started' && e.task) ran.set(e.task, new Set([...(ran.get(e.task) ?? []), e.stage]));
    for (const id of ids) {
      const missing = stages.filter((s) => !ran.get(id)?.has(s));
      if (missing.length > 0) v.push(`${id}'s history has no attempt of stage ${missing.join(', ')}`);
    }
  }
  if (finalExit.code !== 0) v.push(`the final \`run --once\` exited with ${finalExit.code ?? finalExit.signal}`);
  const worktrees = git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '));
  if (worktrees.length !== 1) v.push(`after clean, git lists ${worktrees.length} worktrees: ${worktrees.slice(1).join(', ')}`);
  const folders = fs.readdirSync(path.join(repo, '.parallel-loop', 'worktrees'));
  if (folders.length > 0) v.push(`after clean, .parallel-loop/worktrees holds ${folders.join(', ')}`);
  for (const pid of leftoverProcesses(repo, marker)) v.push(`process ${pid} (${cmdline(pid)}) is still running`);
  return v;
}

/** Pids of processes of this run: an agent's environment holds the marker, or the cwd is inside the repository. */
export function leftoverProcesses(repo, marker) {
  const real = fs.realpathSync(repo);
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (/\) Z/.test(fs.readFileSync(`/proc/${name}/stat`, 'utf8'))) continue;
      const cwd = fs.readlinkSync(`/proc/${name}/cwd`);
      const env = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
      if (cwd === real || cwd.startsWith(real + '/') || env.split('\0').includes(`CHAOS_MARKER=${marker}`)) found.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours.
    }
  }
  return found;
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 80);
  } catch {
    return '?';
  }
}

function readEvents(repo) {
  return fs
    .readFileSync(path.join(repo, '.parallel-loop', 'events.jsonl'), 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return line ? [JSON.parse(line)] : [];
      } catch {
        return [];
      }
    });
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, median: sorted.length ? Math.round(sorted[Math.floor((sorted.length - 1) / 2)]) : '-', worst: sorted.length ? Math.round(sorted[sorted.length - 1]) : '-' };
}

/** Counts from the event log, and how long after a worker was signalled its task started again elsewhere. */
export function figures(repo, kills) {
  const events = readEvents(repo);
  const starts = events.filter((e) => e.type === 'attempt-started');
  const pickup = { SIGKILL: [], SIGSTOP: [] };
  let killSettled = 0;
  for (const k of kills) {
    if (!k.task) continue;
    const next = starts.find((e) => e.task === k.task && e.gen > k.gen && Date.parse(e.time) >= k.at - 5);
    if (next) pickup[k.sig].push(Date.parse(next.time) - k.at);
    else if (k.sig === 'SIGKILL' && events.some((e) => e.type === 'reclaimed' && e.task === k.task && e.fromGen === k.gen)) killSettled++;
  }
  return {
    sigkill: kills.filter((k) => k.sig === 'SIGKILL').length,
    sigstop: kills.filter((k) => k.sig === 'SIGSTOP').length,
    withTask: kills.filter((k) => k.task).length,
    reclaims: events.filter((e) => e.type === 'reclaimed').length,
    repaired: events.filter((e) => e.type === 'repaired').length,
    attempts: starts.length,
    killPickup: stats(pickup.SIGKILL),
    stopPickup: stats(pickup.SIGSTOP),
    killSettled,
  };
}
