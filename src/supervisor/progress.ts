import type { PlEvent } from '../lifecycle/events.js';

/** One readable line for a live event, or undefined for events not worth a line (heartbeats). Pure. */
export function progressLine(event: PlEvent): string | undefined {
  const time = event.time.slice(11, 19);
  const who = (event.agent ?? '').padEnd(9);
  const task = event.task ? ` ${event.task}` : '';
  const att = event.attempt ? ` (attempt ${event.attempt})` : '';
  switch (event.type) {
    case 'agent-spawned':
      return `${time} ${who} started (pid ${event.pid})`;
    case 'agent-exited':
      return `${time} ${who} exited (${event.reason ?? 'done'})`;
    case 'agent-errored':
      return `${time} ${who} ERRORED: ${event.reason}`;
    case 'attempt-started':
      return `${time} ${who} working on${task}${att}`;
    case 'attempt-finished': {
      const secs = typeof event.durationMs === 'number' ? ` in ${(event.durationMs / 1000).toFixed(1)}s` : '';
      return `${time} ${who} agent finished${task}${att}${secs}${event.next === 'land' ? '' : ` -> ${event.next}`}`;
    }
    case 'done': {
      const landing = event.landing as { status?: string; commit?: string; branch?: string; url?: string } | undefined;
      const how =
        landing?.status === 'landed' ? `landed ${String(landing.commit).slice(0, 8)}`
        : landing?.status === 'kept' ? `kept on ${landing.branch || 'the current branch'}`
        : landing?.status === 'pr' ? `pull request ${landing.url}`
        : (landing?.status ?? 'done');
      return `${time} ${who} done${task}: ${how}`;
    }
    case 'already-landed':
      return `${time} ${who} done${task}: had already landed`;
    case 'retry':
      return `${time} ${who} retry${task}${att}: ${event.reason}`;
    case 'failed':
      return `${time} ${who} FAILED${task}: ${event.reason}`;
    case 'conflict':
      return `${time} ${who} conflict${task}: ${(event.files as string[] | undefined)?.join(', ')}`;
    case 'verify-failed':
      return `${time} ${who} verify failed${task}${att}`;
    case 'held':
      return `${time} ${who} holding${task}: ${event.reason}`;
    case 'ready':
      return `${time} ${who} ready${task}${att}: waiting in the landing queue`;
    case 'batch': {
      const parts = [`${event.landed.length} landed`];
      if (event.failed.length > 0) parts.push(`verify failed for ${event.failed.join(', ')}`);
      if (event.conflicts.length > 0) parts.push(`conflicts: ${event.conflicts.join(', ')}`);
      const runs = `${event.verifyRuns} verify run${event.verifyRuns === 1 ? '' : 's'}`;
      return `${time} ${who} batch of ${event.tasks.length}: ${parts.join('; ')} (${runs}, ${(event.durationMs / 1000).toFixed(1)}s)`;
    }
    case 'verify-flaky':
      return `${time} ${who} FLAKY verify${task}: it failed and then passed on the same tree; landed`;
    case 'requeued':
      return `${time} ${who} requeued${task}: ${event.reason}`;
    case 'rejected':
      return `${time} ${who} rejected ${event.file ?? event.task} (see queue/rejected/)`;
    case 'reclaimed':
      return `${time} ${who} reclaimed${task} from ${event.from}: ${event.reason}`;
    case 'repaired':
      return `${time} ${who} repaired: ${event.what}`;
    case 'paused':
      return `${time} ${who} ${event.stop ? 'stopped' : 'paused'}: ${event.reason}`;
    case 'breaker-open':
      return `${time} ${who} stopping the run: ${event.reason}`;
    case 'drained':
      return `${time} ${who} queue drained: ${event.done} done, ${event.failed} failed`;
    case 'resumed':
      return `${time} ${who} resumed claiming`;
    default:
      return undefined;
  }
}
