import type { PlEvent, PlEventInput } from '../lifecycle/events.js';

/** Events after which a task is out of the way: landed, kept, failed, rejected. */
const SETTLED = new Set(['done', 'already-landed', 'failed', 'rejected']);

/**
 * Whether the queue has just drained: a task settled since the last time it did, and now nothing waits
 * in the inbox and nothing runs. An idle queue is no news; only the moment work runs out is. Pure.
 */
export class DrainWatch {
  private settled = { done: 0, failed: 0 };

  observe(event: PlEvent): void {
    if (!SETTLED.has(event.type)) return;
    if (event.type === 'failed' || event.type === 'rejected') this.settled.failed++;
    else this.settled.done++;
  }

  /** The `drained` event to record now, given the queue's counts, or undefined. */
  check(counts: { inbox: number; running: number }): Extract<PlEventInput, { type: 'drained' }> | undefined {
    const { done, failed } = this.settled;
    if (done + failed === 0 || counts.inbox > 0 || counts.running > 0) return undefined;
    this.settled = { done: 0, failed: 0 };
    return { type: 'drained', done, failed, reason: 'nothing waits in the inbox and nothing runs' };
  }
}
