// Entry of a forked worker process: waits for its start message, runs the loop, exits.
// `stop` lets the current task finish and land; `kill` stops the agent's process tree and requeues.
import { Worker } from './loop.js';
import type { FromWorker, ToWorker } from './messages.js';

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

let worker: Worker | undefined;

process.on('message', (message: ToWorker) => {
  if (message.type === 'start' && !worker) {
    worker = new Worker({
      repo: message.repo,
      queue: message.queue,
      state: message.state,
      agentId: message.agentId,
      slot: message.slot,
      options: message.options,
      allowSharedQueue: message.allowSharedQueue,
      supervisorPid: process.ppid,
      onEvent: (event) => send({ type: 'event', event }),
    });
    send({ type: 'ready' });
    worker.run().then(
      (counts) => {
        send({ type: 'idle-exit', ...counts });
        process.disconnect?.();
        process.exitCode = 0;
      },
      (err: unknown) => {
        process.stderr.write(`worker ${message.agentId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
        process.disconnect?.();
      },
    );
  } else if (message.type === 'stop') worker?.stop();
  else if (message.type === 'kill') worker?.kill();
});

// Signals reach the whole foreground process group on Ctrl-C; the supervisor decides what they mean.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => worker?.kill());
// If the supervisor dies, keep going: workers coordinate through files alone and finish their task.
process.on('disconnect', () => worker?.stop());
