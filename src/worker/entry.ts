// Entry of a forked worker process: waits for its start message, runs the loop, exits.
// `stop` lets the current task finish and land; `kill` stops the agent's process tree and requeues.
import { Worker } from './loop.js';
import type { FromWorker, ToWorker } from './messages.js';
import { faultInjector } from './fault.js';
import { disconnectFromSupervisor, sendToSupervisor } from './channel.js';

// Start-up steps for fault injection (see fault.ts): dead before reading its start message, or just after.
faultInjector('')('forked');

const send = sendToSupervisor;
const disconnect = disconnectFromSupervisor;

// Output goes to the supervisor's terminal or pipe; a closed pipe must not end a worker that is landing.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

let worker: Worker | undefined;
let killedBySignal = false;

process.on('message', (message: ToWorker) => {
  if (message.type === 'start' && !worker) {
    faultInjector(message.agentId)('start-received');
    worker = new Worker({
      repo: message.repo,
      queue: message.queue,
      state: message.state,
      worktrees: message.worktrees,
      agentId: message.agentId,
      slot: message.slot,
      options: message.options,
      allowSharedQueue: message.allowSharedQueue,
      supervisorPid: process.ppid,
      onEvent: (event) => send({ type: 'event', event }),
    });
    worker.run().then(
      (counts) => {
        send(killedBySignal ? { type: 'killed' } : { type: 'idle-exit', ...counts });
        disconnect();
        process.exitCode = 0;
      },
      (err: unknown) => {
        process.stderr.write(`worker ${message.agentId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
        disconnect();
      },
    );
  } else if (message.type === 'stop') worker?.stop();
  else if (message.type === 'kill') worker?.kill();
});

// Signals reach the whole foreground process group on Ctrl-C; the supervisor decides what they mean.
process.on('SIGINT', () => undefined);
// SIGTERM to one worker (`parallel-loop kill`) stops its attempt and requeues the task; a whole-run
// SIGTERM reaches the supervisor too, which is stopping by then and restarts nobody.
process.on('SIGTERM', () => {
  killedBySignal = true;
  worker?.kill();
});
// If the supervisor dies, keep going: workers coordinate through files alone and finish their task.
process.on('disconnect', () => worker?.stop());
