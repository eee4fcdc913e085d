// Stress: 16 processes race to claim 1,000 tasks, 10 rounds. Asserts no task is claimed twice and
// none is lost; prints claims/s, double claims, lost tasks and races lost. Exit 1 on any violation.
//   npm run stress:contention [-- --procs 16 --tasks 1000 --rounds 10]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { procs: { type: 'string', default: '16' }, tasks: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '10' } } });
const procs = Number(values.procs), tasks = Number(values.tasks), rounds = Number(values.rounds);
const racer = fileURLToPath(new URL('./claim-racer.js', import.meta.url));

function race(repo, agentId, startFile, readyFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [racer, repo, agentId, startFile, readyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${agentId} exited ${code}`))));
  });
}

let totalClaims = 0, totalSeconds = 0, doubles = 0, lost = 0, racesLost = 0;
for (let round = 1; round <= rounds; round++) {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-contention-'));
  const queue = path.join(repo, 'queue');
  fs.mkdirSync(queue);
  for (let i = 0; i < tasks; i++) fs.writeFileSync(path.join(queue, `t${String(i).padStart(5, '0')}.md`), `task ${i}\n`);
  const startFile = path.join(repo, 'go');
  const readyFiles = Array.from({ length: procs }, (_, i) => path.join(repo, `ready-${i + 1}`));
  const runs = Promise.all(readyFiles.map((ready, i) => race(repo, `agent-${i + 1}`, startFile, ready)));
  // Start once every racer has indexed the inbox, so they really race and the clock measures claiming alone.
  while (!readyFiles.every((f) => fs.existsSync(f))) await Promise.race([new Promise((r) => setTimeout(r, 10)), runs]);
  const t0 = process.hrtime.bigint();
  fs.writeFileSync(startFile, '');
  const results = await runs;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const seen = new Map();
  for (const r of results) for (const id of r.claimed) seen.set(id, (seen.get(id) ?? 0) + 1);
  const roundDoubles = [...seen.values()].filter((n) => n > 1).length;
  const done = fs.readdirSync(path.join(queue, 'done')).length;
  const roundRaces = results.reduce((s, r) => s + r.racesLost, 0);
  doubles += roundDoubles; lost += Math.max(0, tasks - seen.size, tasks - done); racesLost += roundRaces;
  totalClaims += seen.size; totalSeconds += seconds;
  console.log(`round ${round}: ${seen.size} claimed in ${seconds.toFixed(2)}s (${Math.round(seen.size / seconds)} claims/s), double claims ${roundDoubles}, lost ${Math.max(0, tasks - seen.size, tasks - done)}, races lost ${roundRaces}`);
  fs.rmSync(repo, { recursive: true, force: true });
}
console.log(`\n${procs} processes x ${tasks} tasks x ${rounds} rounds: ${Math.round(totalClaims / totalSeconds)} claims/s, double claims ${doubles}, lost tasks ${lost}, races lost ${racesLost}`);
if (doubles > 0 || lost > 0) {
  console.error('VIOLATION: a task was claimed twice or lost');
  process.exit(1);
}
