// `status --watch` while a real run works a slow shell task: once in a real terminal (tmux), once with
// stdout piped. The terminal test prints the screens it captured, like screenshots.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { cliPath, runCli, shellTask, startCli } from './cli.js';

const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasTmux) console.warn('tmux not found: the terminal test of `status --watch` is skipped (apt-get install tmux to run it); the piped test still runs');

async function until<T>(what: string, get: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('status --watch with stdout piped', () => {
  it('prints one plain line per change, follows the task to done, and ends cleanly on SIGINT', async () => {
    const repo = tmpRepo();
    const watch = startCli(repo, ['status', '--watch', '--interval-ms', '200']);
    await until('the first line', () => (watch.stdout.includes('\n') ? true : undefined));
    shellTask(repo, 'slow', 'sleep 2; echo slow > slow.txt');
    const run = await runCli(repo, ['run', '--once', '--agents', '1', '--rescan-ms', '100']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await until('the done line', () => (/done 1 failed 0 \| agent-1:(gone|idle|stopping)/.test(watch.stdout) ? true : undefined), 10_000);
    process.kill(-watch.child.pid!, 'SIGINT');
    const { code, stdout } = await watch.done;
    console.log(stdout);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/\x1b/);
    const lines = stdout.trim().split('\n');
    const working = lines.findIndex((l) => l.includes('agent-1:agent:slow'));
    const done = lines.findIndex((l) => l.includes('done 1 failed 0'));
    expect(working).toBeGreaterThan(0);
    expect(done).toBeGreaterThan(working);
    // Quiet while nothing changes: no line repeats the one before it.
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.slice(9)).not.toBe(lines[i - 1]!.slice(9));
  });
});

describe.skipIf(!hasTmux)('status --watch in a real terminal (tmux)', () => {
  it('redraws in place as the agent works, fits the pane, honours NO_COLOR, and gives the terminal back on Ctrl-C', async () => {
    const repo = tmpRepo();
    const server = `pl-status-test-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    const screen = (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'status:0.0');
    const shots: string[] = [];
    let socket = '';
    const shot = (title: string, text: string) => shots.push(`── ${title} ──\n${text.replace(/\n+$/, '')}`);
    try {
      // bash waits for the watch and then says how it ended; the pane stays so the screen can be read.
      const watchCmd = `NO_COLOR=1 '${process.execPath}' '${cliPath}' status --watch --interval-ms 200; echo WATCH-EXIT=$?; sleep 300`;
      tmux('new-session', '-d', '-s', 'status', '-x', '90', '-y', '32', '-c', repo, 'env', '-u', 'FORCE_COLOR', 'bash', '-c', watchCmd);
      socket = tmux('display', '-p', '#{socket_path}').trim();
      await until('the first screen', () => (screen().includes('No agent has worked here yet.') ? true : undefined));
      shellTask(repo, 'slow', 'sleep 3; echo slow > slow.txt');
      tmux('split-window', '-v', '-t', 'status:0.0', '-c', repo, 'bash', '-c', `'${process.execPath}' '${cliPath}' run --once --agents 1 --rescan-ms 100; sleep 300`);
      const [width, height] = tmux('display', '-p', '-t', 'status:0.0', '#{pane_width} #{pane_height}').trim().split(' ').map(Number) as [number, number];

      const working = await until('agent-1 in phase agent', () => {
        const s = screen();
        return /^agent-1 +yes +\d+ +slow +1 +agent\b/m.test(s) ? s : undefined;
      });
      shot(`working (pane ${width}x${height})`, working);
      const done = await until('the task done', () => {
        const s = screen();
        // The agent is idle once it handed the landing on (it lands behind its next task): wait for the landing's line too.
        return /1 done/.test(s) && /^agent-1 +\S+ +\d+ +- +- +(idle|exited)\b/m.test(s) && /done slow by agent-1/.test(s) ? s : undefined;
      });
      shot('done', done);
      expect(done).toMatch(/done slow by agent-1: landed [0-9a-f]{8}/);
      for (const s of [working, done]) {
        const lines = s.replace(/\n+$/, '').split('\n');
        expect(lines.length).toBeLessThanOrEqual(height);
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
      }
      expect(screen(true)).not.toMatch(/\x1b\[3\dm/);

      tmux('send-keys', '-t', 'status:0.0', 'C-c');
      const after = await until('the watch to end', () => {
        const s = screen();
        return s.includes('WATCH-EXIT=') ? s : undefined;
      });
      shot('after Ctrl-C', after);
      expect(after).toContain('WATCH-EXIT=0');
      // Back on the normal screen: the table was on the alternate one and is gone.
      expect(tmux('display', '-p', '-t', 'status:0.0', '#{alternate_on}').trim()).toBe('0');
      expect(after).not.toContain('AGENT');
    } finally {
      console.log(shots.join('\n\n'));
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
      if (socket) fs.rmSync(socket, { force: true });
    }
  });
});
