import type { PlEvent } from '../lifecycle/events.js';
import type { Notification, NotifyKind, NotifySettings } from './kinds.js';

type Found = { kind: NotifyKind; gen?: unknown; title: string };

/**
 * The notification kind an event stands for, with the generation that makes it one occurrence, or
 * undefined. Workers report the same fact more than once (every worker's monitor sees a stale claim,
 * every worker's gate sees the spent budget), so the key below collapses those.
 */
function classify(event: PlEvent): Found | undefined {
  const task = typeof event.task === 'string' ? event.task : undefined;
  switch (event.type) {
    case 'done':
      // `land: branch` keeps the finished branch for a person to review and merge: that is the review.
      if (event.landing?.status === 'pr') return { kind: 'needs-review', gen: event.gen, title: `task ${task} waits for your review: ${event.landing.url}` };
      return event.landing?.status === 'kept' && event.landing.mode === 'branch'
        ? { kind: 'needs-review', gen: event.gen, title: `task ${task} waits for your review on ${event.landing.branch}` }
        : undefined;
    case 'escalated':
      return { kind: 'escalated', gen: event.gen, title: `task ${task} was escalated at its ${event.stage} stage` };
    case 'failed':
      // An escalated task's `failed` follows its `escalated`, which already said so.
      return event.cancelled === true || event.escalated === true ? undefined : { kind: 'failed', gen: event.gen, title: `task ${task} failed` };
    case 'paused':
      if (event.cause === 'budget') return { kind: 'budget-spent', title: 'the budget is spent' };
      if (event.cause === 'rate-limit') return { kind: 'rate-limited', gen: event.until, title: 'claiming paused by a rate limit' };
      return undefined;
    // A stale claim is seen first as heartbeat-missed (the stale generation), then reclaimed (its fromGen).
    case 'heartbeat-missed':
      return { kind: 'agent-stale', gen: event.gen, title: `the agent on ${task} went stale` };
    case 'reclaimed':
      return { kind: 'agent-stale', gen: event.fromGen, title: `the agent on ${task} went stale` };
    case 'drained':
      return { kind: 'drained', gen: event.time, title: 'the queue is drained' };
    default:
      return undefined;
  }
}

/** The notifications `event` asks for under `settings` (none, or one). Pure. */
export function notificationsFor(event: PlEvent, settings: Pick<NotifySettings, 'on'>): Notification[] {
  const found = classify(event);
  if (!found || (settings.on && !settings.on.includes(found.kind))) return [];
  const task = typeof event.task === 'string' ? event.task : null;
  const reason = 'reason' in event && typeof event.reason === 'string' ? event.reason : null;
  const key = JSON.stringify([found.kind, task, found.gen ?? null]);
  return [{ kind: found.kind, task, reason, at: event.time, title: found.title, key }];
}
