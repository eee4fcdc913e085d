// Benchmark: one `status` pass over a state with 10,000 finished tasks and 8 agents at work.
// A pass reads the folders, the heartbeats, the running tasks' claims, the lines appended to
// events.jsonl since the last pass and 40 release records; it aggregates, formats the table and
// writes status.json and board.md. Goal: median of 10 passes < 200 ms.
// Then the dashboard on the same state: CPU of the server while idle (no page open, and one page open
// on a run where nothing moves), goal < 1% of a core; and, with Chromium at /usr/bin/chromium, the
// time until the page shows the 10,000 done tasks and how long one redraw of the board takes.
//   npm run bench:status [-- --finished 10000 --agents 8 --passes 10 --idle-ms 10000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { layoutFor } from '../dist/queue/layout.js';
import { hostBootId, processStartTime } from '../dist/proc/start-time.js';
import { statusPass } from '../dist/status/pass.js';
import { formatTable } from '../dist/status/format.js';
import { startDashboard } from '../dist/dashboard/server.js';

const { values } = parseArgs({ options: { finished: { type: 'string', default: '10000' }, agents: { type: 'string', default: '8' }, passes: { type: 'string', default: '10' }, 'idle-ms': { type: 'string', default: '10000' } } });
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
await benchDashboard();
if (process.env.PL_BENCH_KEEP) console.log(`kept ${repo}`);
else fs.rmSync(repo, { recursive: true, force: true });

// CPU of this process over `ms` of doing nothing but serving, in percent of one core.
async function cpuWhileIdle(ms) {
  const before = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1000 / (Number(process.hrtime.bigint() - t0) / 1e6)) * 100;
}

async function benchDashboard() {
  const idleMs = Number(values['idle-ms']);
  // Nothing runs: the agents' heartbeats name a process that is gone, as after a finished run.
  for (let n = 1; n <= agentCount; n++) {
    const file = path.join(layout.agents, `agent-${n}`, 'heartbeat.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), pid: 999_999_999, pidStart: '1', phase: 'idle', task: undefined }));
  }
  for (const name of fs.readdirSync(path.join(layout.queue, 'running'))) fs.rmSync(path.join(layout.queue, 'running', name));
  const dashboard = await startDashboard(layout);
  const goal = (cpu) => (cpu < 1 ? 'OK' : 'ABOVE GOAL');
  const noPage = await cpuWhileIdle(idleMs);
  console.log(`dashboard idle, no page open, over ${idleMs} ms: ${noPage.toFixed(2)}% of a core (goal < 1%: ${goal(noPage)})`);
  const chromiumPath = process.env.PL_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) {
    console.log(`no Chromium at ${chromiumPath}: page timings skipped`);
    return dashboard.close();
  }
  const { chromium } = await import('playwright-core');
  // The browser is another process: its CPU is not counted in this one's.
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const t0 = Date.now();
  await page.goto(dashboard.url);
  await page.waitForFunction((n) => document.querySelector('[data-column-count="done"]')?.textContent === String(n), finished - finished / 50);
  console.log(`page shows ${finished} finished tasks after ${Date.now() - t0} ms (load, first board, ${await page.locator('.card').count()} cards)`);
  const t1 = Date.now();
  await page.click('[data-column="done"] button.more');
  await page.locator('#detail li').first().waitFor();
  console.log(`Done paged: the first 100 of ${finished - finished / 50} listed ${Date.now() - t1} ms after the click`);
  const render = await page.evaluate(() => {
    const t = performance.now();
    for (let i = 0; i < 20; i++) window.dispatchEvent(new Event('resize'));
    return (performance.now() - t) / 20;
  });
  console.log(`timeline redraw on the page: ${render.toFixed(1)} ms`);
  const onePage = await cpuWhileIdle(idleMs);
  console.log(`dashboard idle, one page open, over ${idleMs} ms: ${onePage.toFixed(2)}% of a core (goal < 1%: ${goal(onePage)})`);
  await browser.close();
  await dashboard.close();
}
