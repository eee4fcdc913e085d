import type { PlEvent } from '../lifecycle/events.js';
import { readJsonOrUndefined } from '../util/atomic-write.js';
import { runCommandHook } from './command.js';
import { notificationsFor } from './for-event.js';
import { NOTIFY_DEFAULTS, type Notification, type NotificationBody, type NotifySettings } from './kinds.js';
import { postJson } from './webhook.js';

export interface NotifierConfig {
  settings: NotifySettings;
  /** The supervisor's id, sent as `run`. */
  run: string;
  /** Where command hooks run (the repository). */
  cwd: string;
  /** `dashboard.json` of the state folder: `{ url }` while a dashboard serves. */
  dashboardFile: string;
  /** A hook failed or was dropped: logged, never thrown. */
  onFailure(failure: { hook: string; kind: string; task: string | null; reason: string }): void;
}

interface Job {
  hook: string;
  body: NotificationBody;
  send(): Promise<void>;
}

/**
 * Sends each notification once to every hook, without ever holding up the run: hooks run in the
 * background, at most `maxInFlight` at a time, each cut off at `timeoutMs`, none retried; when
 * `maxQueued` wait already, new ones are dropped. Every failure goes to `onFailure`.
 */
export class Notifier {
  private readonly sent = new Set<string>();
  private readonly waiting: Job[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly limits: Required<Pick<NotifySettings, 'timeoutMs' | 'maxInFlight' | 'maxQueued'>>;

  constructor(private readonly config: NotifierConfig) {
    const s = config.settings;
    this.limits = { timeoutMs: s.timeoutMs ?? NOTIFY_DEFAULTS.timeoutMs, maxInFlight: s.maxInFlight ?? NOTIFY_DEFAULTS.maxInFlight, maxQueued: s.maxQueued ?? NOTIFY_DEFAULTS.maxQueued };
  }

  /** Look at one event; whatever it asks to tell goes out in the background. */
  observe(event: PlEvent): void {
    for (const n of notificationsFor(event, this.config.settings)) {
      if (this.sent.has(n.key)) continue;
      this.sent.add(n.key);
      for (const job of this.jobsFor(this.bodyOf(n))) this.enqueue(job);
    }
  }

  /**
   * Let what is in flight and in line go out, for at most `timeoutMs` more: then what still waits is
   * dropped, and what runs ends by its own timeout. So the end of a run waits at most twice `timeoutMs`.
   */
  async close(): Promise<void> {
    const deadline = setTimeout(() => {
      for (const job of this.waiting.splice(0)) this.fail(job, 'dropped: the run ended before it could be sent');
    }, this.limits.timeoutMs);
    while (this.running.size > 0) await Promise.race([...this.running]);
    clearTimeout(deadline);
  }

  private bodyOf(n: Notification): NotificationBody {
    const url = readJsonOrUndefined<{ url?: unknown }>(this.config.dashboardFile)?.url;
    return { kind: n.kind, task: n.task, reason: n.reason, at: n.at, title: n.title, link: typeof url === 'string' ? url : null, run: this.config.run };
  }

  private jobsFor(body: NotificationBody): Job[] {
    const { timeoutMs } = this.limits;
    const { commands = [], webhooks = [] } = this.config.settings;
    return [
      ...commands.map((argv) => ({ hook: argv[0]!, body, send: () => runCommandHook(argv, body, timeoutMs, this.config.cwd) })),
      ...webhooks.map((url) => ({ hook: url, body, send: () => postJson(url, body, timeoutMs) })),
    ];
  }

  private enqueue(job: Job): void {
    if (this.waiting.length >= this.limits.maxQueued) return this.fail(job, `dropped: ${this.limits.maxQueued} notifications already wait to be sent`);
    this.waiting.push(job);
    this.next();
  }

  private next(): void {
    while (this.running.size < this.limits.maxInFlight && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      // A hook that throws before its promise exists counts as failed like any other.
      const run: Promise<void> = Promise.resolve()
        .then(() => job.send())
        .catch((err: unknown) => this.fail(job, err instanceof Error ? err.message : String(err)))
        .finally(() => {
          this.running.delete(run);
          this.next();
        });
      this.running.add(run);
    }
  }

  private fail(job: Job, reason: string): void {
    try {
      this.config.onFailure({ hook: job.hook, kind: job.body.kind, task: job.body.task, reason });
    } catch {
      // Logging a failed notification must not fail the run either.
    }
  }
}
