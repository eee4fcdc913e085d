import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ToWorker } from '../worker/messages.js';

// The CommonJS bundle of the worker (scripts/bundle.js: it starts ~25 ms of CPU sooner than an ESM entry).
const workerEntry = fileURLToPath(new URL('../worker/entry.cjs', import.meta.url));

// Own process group: a terminal's Ctrl-C goes to the whole foreground group, and would kill the git
// commands a worker runs while it finishes and lands. Signals reach workers only as messages from here.
function forkWorker(): ChildProcess {
  const child = fork(workerEntry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env, detached: true });
  // A child that dies makes a send to it fail (EPIPE, ERR_IPC_CHANNEL_CLOSED) and a kill of it fail
  // (ESRCH). Without a listener such an 'error' would end the supervisor; its 'exit' is what counts.
  child.on('error', () => undefined);
  return child;
}

/** Workers forked before their slots are known: a worker takes ~100-200 ms to load, time the run's checks can cover. */
const spares: ChildProcess[] = [];

/**
 * Have `count` spare workers: fork as many as are missing now, to be given their slots by the next
 * Supervisor.run, and end any beyond `count` (forked on a guess before the options were known). They do
 * nothing until told to start.
 */
export function prewarmWorkers(count: number): void {
  for (let i = spares.length; i < count; i++) spares.push(forkWorker());
  for (const child of spares.splice(Math.max(0, count))) endSpare(child);
}

function endSpare(child: ChildProcess): void {
  child.kill('SIGKILL');
  if (child.connected) child.disconnect();
}

/** End the spare workers no slot took (they never started anything). */
export function discardPrewarmed(): void {
  for (const child of spares.splice(0)) endSpare(child);
}

/** A spare that is still alive, or a new fork. Either may still die at any moment after this. */
export function takeWorker(): ChildProcess {
  for (let child = spares.shift(); child; child = spares.shift()) {
    // A child that already exited would never report its exit to the handlers attached now;
    // exitCode and signalCode are set at the moment 'exit' is emitted, so null means it is still to come.
    if (child.connected && child.exitCode === null && child.signalCode === null) return child;
    child.kill('SIGKILL');
  }
  return forkWorker();
}

/**
 * Send a message to a worker that may have died: true when it was handed to the channel. A failed
 * write is reported through `onFailed` (the child is gone or going; its 'exit' follows), never thrown.
 */
export function sendToWorker(child: ChildProcess, message: ToWorker, onFailed?: (err: Error) => void): boolean {
  if (!child.connected) return false;
  try {
    child.send(message, (err) => {
      if (err) onFailed?.(err);
    });
    return true;
  } catch (err) {
    onFailed?.(err instanceof Error ? err : new Error(String(err)));
    return false;
  }
}
