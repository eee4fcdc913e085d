/** What a person can be told about (see for-event.ts for the events behind each kind). */
export const NOTIFY_KINDS = ['failed', 'escalated', 'needs-review', 'budget-spent', 'rate-limited', 'agent-stale', 'drained'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** The `notify` setting: where notifications go, and for which kinds. */
export interface NotifySettings {
  /** Kinds to send. Default: every kind. */
  on?: NotifyKind[];
  /** Programs to run, each an argument array (no shell); `{kind}`, `{task}`, `{reason}`, `{at}`, `{link}`, `{run}` and `{title}` are filled in. */
  commands?: string[][];
  /** http(s) URLs that get a POST with the notification as a JSON body. */
  webhooks?: string[];
  /** Milliseconds one hook may take before it is given up (a command's process tree killed). Default 5000. */
  timeoutMs?: number;
  /** Hooks running at once; more wait in line. Default 4. */
  maxInFlight?: number;
  /** Hooks waiting in line; beyond this new ones are dropped and logged. Default 100. */
  maxQueued?: number;
}

/** One thing to tell, before it is addressed to a hook. */
export interface Notification {
  kind: NotifyKind;
  task: string | null;
  reason: string | null;
  /** When the event happened (ISO). */
  at: string;
  /** One line for a person, e.g. `task t1 failed`. */
  title: string;
  /** Same key, same notification: sent once. */
  key: string;
}

/** What a webhook receives and a command reads on stdin. */
export interface NotificationBody {
  kind: NotifyKind;
  task: string | null;
  reason: string | null;
  at: string;
  title: string;
  /** The dashboard while one serves, else null. */
  link: string | null;
  /** The supervisor that sent it. */
  run: string;
}

export const NOTIFY_DEFAULTS = { timeoutMs: 5000, maxInFlight: 4, maxQueued: 100 } as const;
