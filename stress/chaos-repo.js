// The repository every chaos script works on: one commit, a config that survives many crashes, and
// one shell task per id that marks itself half-done (`<id>.part`) until its last step.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const git = (repo, ...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The three stages of a pipeline task: STAGES[i] ran once its `attempt-started` event names it. */
export const STAGES = ['implement', 'review', 'test'];

/**
 * A pipeline task's shell line, by stage: implement writes the file (marked half-done meanwhile),
 * review approves once the file is there, test only takes its time; the task's `test` command then
 * checks the file on the branch with the target merged in.
 */
function stagedRun(id, seconds) {
  const approve = `'{"verdict":"approve","notes":"ok"}'`;
  return [
    'case "$PL_STAGE" in',
    `  implement) echo started > ${id}.part; sleep ${seconds}; echo ${id} > ${id}.txt; rm ${id}.part ;;`,
    `  review) sleep ${seconds}; test -f ${id}.txt && echo ${approve} > "$PL_VERDICT_FILE" ;;`,
    `  test) sleep ${seconds} ;;`,
    '  *) exit 3 ;;',
    'esac',
  ].join('\n');
}

/**
 * `tasks` shell tasks t000… in a new repository inside its own temp folder (run logs go beside it).
 * `sleep(id)` gives each task's sleep in seconds; `config` overrides settings of `.parallel-loop.json`. Every agent's environment holds `CHAOS_MARKER=<marker>`.
 * With `stages`, each task is a pipeline of STAGES with a `test` command (each stage sleeps a third as long).
 */
export function makeChaosRepo({ tasks, prefix = 'pl-chaos-', sleep = () => (0.2 + Math.random() * 0.8).toFixed(2), config: overrides = {}, stages = false }) {
  const marker = `chaos-${randomBytes(4).toString('hex')}`;
  const ids = Array.from({ length: tasks }, (_, i) => `t${String(i).padStart(3, '0')}`);
  const repo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.name', 'Chaos');
  git(repo, 'config', 'user.email', 'chaos@example.com');
  fs.writeFileSync(path.join(repo, 'README.md'), '# chaos\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'initial');
  // Attempts are lost to kills, so allow many; slots must survive many crashes; machine load must not pause claims.
  const config = { maxAttempts: 10, restartBackoffMs: 200, restartBackoffMaxMs: 1000, maxRestarts: 10_000, pauseCpuPercent: 100, pauseMemoryPercent: 100, stepDownMemoryPercent: 100, ...overrides };
  fs.writeFileSync(path.join(repo, '.parallel-loop.json'), JSON.stringify(config, null, 2));
  const queue = path.join(repo, 'queue');
  fs.mkdirSync(path.join(queue, '.tmp'), { recursive: true });
  for (const id of ids) {
    const seconds = sleep(id);
    const run = stages ? stagedRun(id, (Number(seconds) / 3).toFixed(2)) : `echo started > ${id}.part; sleep ${seconds}; echo ${id} > ${id}.txt; rm ${id}.part`;
    // A pipeline's maxAttempts is its tries per stage, and a try cut short by a kill is one: as many as the run's.
    const pipeline = stages ? { stages: STAGES, test: `test -f ${id}.txt`, maxAttempts: config.maxAttempts } : {};
    const tmp = path.join(queue, '.tmp', `${id}.json`);
    fs.writeFileSync(tmp, JSON.stringify({ agent: 'shell', run, ...pipeline, env: { CHAOS_MARKER: marker }, prompt: `Write ${id}.txt` }));
    fs.renameSync(tmp, path.join(queue, `${id}.json`));
  }
  return { repo, ids, marker };
}
