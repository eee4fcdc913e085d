import type { FromWorker } from './messages.js';

// The supervisor may be gone at any moment: a write to a closed channel fails with EPIPE or
// ERR_IPC_CHANNEL_CLOSED, which would end this worker mid-task if it were thrown or emitted.
// A worker without its supervisor carries on (it coordinates through files), so a lost message is dropped.

/** Send to the supervisor if it is still listening; true when the message was handed to the channel. */
export function sendToSupervisor(message: FromWorker, proc: NodeJS.Process = process): boolean {
  if (!proc.connected || !proc.send) return false;
  try {
    return proc.send(message, undefined, undefined, () => undefined);
  } catch {
    // Closed between the check and the write.
    return false;
  }
}

/** Close the channel on the way out, whether or not the supervisor already closed it. */
export function disconnectFromSupervisor(proc: NodeJS.Process = process): void {
  try {
    if (proc.connected) proc.disconnect?.();
  } catch {
    // Already closed.
  }
}
