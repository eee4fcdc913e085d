// Benchmark: one `status` pass over a state with 10,000 finished tasks and 8 agents at work.
// A pass reads the folders, the heartbeats, the running tasks' claims, the lines appended to
// events.jsonl since the last pass and 40 release records; it aggregates, formats the table and
// writes status.json and board.md. Goal: median of 10 passes < 200 ms.
//   npm run bench:status [-- --finished 10000 --agents 8 --passes 10]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { layoutFor } from '../dist/queue/layout.js';
import { hostBootId, processStartTime } from '../dist/proc/start-time.js';
import { statusPass } from '../dist/status/pass.js';
import { formatTable } from '../dist/status/format.js';

const { values } = parseArgs({ options: { finished: { type: 'string', default: '10000' }, agents: { type: 'string', default: '8' }, passes: { type: 'string', default: '10' } } });
const finished = Number(values.finished);
const agentCount = Number(values.agents);
const passes = Number(values.passes);
const GOAL_MS = 200;

const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-bench-status-'));
const layout = layoutFor(repo);
const now = Date.now();
const iso = (ms) => new Date(ms).toISOString();
// The bench process stands in for every worker: alive, on this host, so liveness goes through /proc.
const me = { pid: process.pid, pidStart: processStartTime(process.pid), host: os.hostname(), bootId: hostBootId() };
const json = (file, value) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
};

function build() {
  for (const dir of ['done', 'failed', 'running']) fs.mkdirSync(path.join(layout.queue, dir), { recursive: true });
  const lines = [];
  const event = (ms, type, fields) => lines.push(JSON.stringify({ time: iso(ms), type, gen: 1, attempt: 1, ...fields }));
  const span = 10 * 3600_000;
  for (let i = 0; i < finished; i++) {
    const id = `t${String(i).padStart(5, '0')}`;
    const agent = `agent-${(i % agentCount) + 1}`;
    const failed = i % 50 === 49;
    const start = now - span + (i * span) / finished;
    const commit = (i.toString(16).padStart(8, '0') + 'c'.repeat(32)).slice(0, 40);
    fs.writeFileSync(path.join(layout.queue, failed ? 'failed' : 'done', `${id}.md`), `---\nagent: shell\nrun: true\n---\nTask ${i}\n`);
    json(path.join(layout.claims, id, '1'), { ...me, agentId: agent, taskId: id, gen: 1, file: `${id}.md`, claimedAt: iso(start) });
    const usage = { costUsd: 0.01 };
    const release = { attempted: true, attempt: 1, branch: `pl/${id}/1`, durationMs: 60_000, usage, agentId: agent, at: iso(start + 61_000) };
    json(path.join(layout.claims, id, '1.released'), failed ? { ...release, outcome: 'failed', reason: 'exit code 1' } : { ...release, outcome: 'done', landing: { status: 'landed', commit } });
    event(start, 'attempt-started', { agent, task: id });
    event(start + 60_000, 'attempt-finished', { agent, task: id, next: failed ? 'fail' : 'land', durationMs: 60_000, usage });
    event(start + 61_000, failed ? 'failed' : 'done', failed ? { agent, task: id, reason: 'exit code 1' } : { agent, task: id, landing: { status: 'landed', commit } });
  }
  for (let i = 0; i < 500; i++) fs.writeFileSync(path.join(layout.queue, `w${String(i).padStart(4, '0')}.md`), `---\nagent: shell\nrun: true\n---\nWaiting ${i}\n`);
  for (let n = 1; n <= agentCount; n++) {
    const agentId = `agent-${n}`;
    const task = `r${n}`;
    fs.writeFileSync(path.join(layout.queue, 'running', `${task}.md`), `---\nagent: shell\nrun: true\n---\nRunning ${n}\n`);
    json(path.join(layout.claims, task, '1'), { ...me, agentId, taskId: task, gen: 1, file: `${task}.md`, claimedAt: iso(now - 30_000) });
    json(path.join(layout.agents, agentId, 'heartbeat.json'), {
      agentId, ...me, phase: 'agent', beat: 100, updatedAt: iso(now - 1000), startedAt: iso(now - span), task, gen: 1, attempt: 1,
      taskStartedAt: iso(now - 30_000), lastEvent: 'Bash: npm test', lastEventAt: iso(now - 2000), usage: { costUsd: 0.004 },
    });
    event(now - 30_000, 'attempt-started', { agent: agentId, task });
  }
  fs.writeFileSync(layout.events, lines.join('\n') + '\n');
  return lines.length;
}

async function pass() {
  const t0 = process.hrtime.bigint();
  const { status } = await statusPass(layout);
  formatTable(status, { width: 100 });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const tBuild = Date.now();
const eventLines = build();
console.log(`state: ${finished} finished tasks, 500 waiting, ${agentCount} agents at work, ${eventLines} event lines (built in ${((Date.now() - tBuild) / 1000).toFixed(1)} s)`);
// The first pass pays for loading code and settling the disk after the build; it is not counted.
await pass();
fs.rmSync(path.join(layout.state, 'status-cache.json'));
const cold = await pass();
console.log(`pass with no cache (reads the whole event log once, then keeps a digest): ${cold.toFixed(1)} ms`);
const times = [];
for (let i = 0; i < passes; i++) {
  // Work goes on between passes: a few lines appended, as a live run would.
  const more = Array.from({ length: agentCount }, (_, n) => JSON.stringify({ time: iso(Date.now()), type: 'heartbeat-missed', agent: `agent-${n + 1}` }));
  fs.appendFileSync(layout.events, more.join('\n') + '\n');
  times.push(await pass());
}
times.sort((a, b) => a - b);
const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
console.log(`status pass (snapshot + aggregate + format + write), median of ${passes}: ${median.toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times.at(-1).toFixed(1)})`);
console.log(`goal < ${GOAL_MS} ms: ${median < GOAL_MS ? 'OK' : 'ABOVE GOAL'}`);
fs.rmSync(repo, { recursive: true, force: true });
