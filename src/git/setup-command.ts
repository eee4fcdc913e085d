import { spawn } from 'node:child_process';

export interface SetupResult {
  ok: boolean;
  /** How it failed, phrased to follow "The setup command `…`". */
  why: string;
  /** stdout and stderr interleaved as they came, at most the last `maxOutput` characters. */
  output: string;
}

/**
 * Run a user's shell line in `cwd` through `/bin/sh -c` (it is a shell line by design: the user wrote it in
 * their config). It runs in its own process group, so a timeout kills what it started too (npm, its children).
 */
export function runSetup(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number, maxOutput = 1024 * 1024): Promise<SetupResult> {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const child = spawn('/bin/sh', ['-c', command], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 2 * maxOutput) output = output.slice(-maxOutput);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, why: `could not start (${err.message})`, output });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      output = output.slice(-maxOutput);
      if (timedOut) resolve({ ok: false, why: `timed out after ${timeoutMs} ms`, output });
      else if (code === 0) resolve({ ok: true, why: '', output });
      else resolve({ ok: false, why: signal ? `was killed by ${signal}` : `exited with code ${code}`, output });
    });
  });
}
