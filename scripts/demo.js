// `npm run demo`: a throwaway git repository, sample tasks, the built-in demo agent and three workers,
// with live progress, the landed results and a summary. Nothing outside a temp folder is touched.
//   npm run demo [-- --agents 3 --keep --dashboard]
// With --dashboard, `parallel-loop dashboard` serves the run live; its URL is printed before the run starts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { agents: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false }, dashboard: { type: 'boolean', default: false } } });
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-loop-demo-'));
const git = (...args) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
const pl = (...args) => spawnSync(process.execPath, [cli, ...args], { cwd: repo, encoding: 'utf8' });

git('init', '-q', '-b', 'main');
git('config', 'user.name', 'Demo');
git('config', 'user.email', 'demo@example.com');
fs.writeFileSync(path.join(repo, 'README.md'), '# Demo project\n');
git('add', '-A');
git('commit', '-q', '-m', 'Start the demo project');

const tasks = [
  ['Create docs/overview.md with An overview of the demo project.', '--id', 'docs-overview', '--priority', '2'],
  ['Create docs/install.md with How to install the demo project.', '--id', 'docs-install'],
  ['Create docs/usage.md with How to use the demo project.', '--id', 'docs-usage'],
  ['Create src/hello.txt with Hello from an agent.', '--id', 'hello'],
  ['Create src/goodbye.txt with Goodbye from an agent.', '--id', 'goodbye'],
  ['Create notes/ideas.md with Ideas for later.', '--id', 'ideas'],
  ['Create notes/todo.md with Things to do next.', '--id', 'todo'],
  ['Create CHANGELOG.md with Added the docs.', '--id', 'changelog', '--depends-on', 'docs-overview', 'docs-install', 'docs-usage'],
];
console.log(`Demo repository: ${repo}\n`);
for (const [prompt, ...flags] of tasks) {
  const r = pl('add', prompt, ...flags);
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(r.stdout);
}
const dashboard = values.dashboard ? await startDashboardCli() : undefined;
console.log(`\n$ parallel-loop run --agents ${values.agents} --once --agent demo\n`);
const run = spawn(process.execPath, [cli, 'run', '--agents', values.agents, '--once', '--agent', 'demo', '--rescan-ms', '300'], {
  cwd: repo,
  stdio: 'inherit',
  env: { ...process.env, PL_DEMO_DELAY_MS: process.env.PL_DEMO_DELAY_MS ?? '1500' },
});
process.on('SIGINT', () => undefined); // Ctrl-C reaches the run too; let it stop gracefully.
const code = await new Promise((resolve) => run.on('exit', (c) => resolve(c ?? 1)));
if (dashboard) {
  // The page stays up a moment so the finished board can be looked at, then the server stops.
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.PL_DEMO_DASHBOARD_LINGER_MS ?? 5000)));
  dashboard.kill('SIGINT');
}

console.log('\nLanded on main (git log --first-parent):');
console.log(git('log', '--first-parent', '--format=  %h %s', 'main').stdout.trimEnd());
console.log('\nFiles in the checkout now:');
console.log(git('ls-files').stdout.trimEnd().split('\n').map((f) => `  ${f}`).join('\n'));
if (values.keep) console.log(`\nKept the demo repository: cd ${repo} and look at queue/ and .parallel-loop/`);
else fs.rmSync(repo, { recursive: true, force: true });
process.exit(code);

// `parallel-loop dashboard` beside the run; resolves once it printed its URL.
function startDashboardCli() {
  const child = spawn(process.execPath, [cli, 'dashboard', ...(process.env.PL_DEMO_DASHBOARD_PORT ? ['--port', process.env.PL_DEMO_DASHBOARD_PORT] : [])], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const url = /http:\S+/.exec(out)?.[0];
      if (url) {
        console.log(`\nDashboard: ${url}`);
        resolve(child);
      }
    });
    child.on('exit', () => reject(new Error(`the dashboard stopped: ${out}`)));
  });
}
