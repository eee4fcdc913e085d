// The library surface: what another program needs to drive a queue without the CLI.
export * from './errors.js';
export * from './task/types.js';
export { parseTaskFile, MAX_TASK_FILE_BYTES } from './task/parse.js';
export { checkTaskId, isTaskFileName, isIgnoredName } from './task/id.js';
export { layoutFor, type Layout, type TaskState } from './queue/layout.js';
export { QueueStore } from './queue/store.js';
export { Claims, type Lease, type Release } from './queue/claims.js';
export { InboxIndex, type InboxEntry } from './queue/inbox.js';
export { takeTask } from './queue/take.js';
export { DEFAULTS, type RunOptions } from './config/options.js';
export { Supervisor } from './supervisor/supervisor.js';
export { Worker } from './worker/loop.js';
export { Monitor } from './health/monitor.js';
export { landAttempt } from './merge/land.js';
export { undoTask } from './merge/undo.js';
export { getAdapter, adapterNames } from './agents/registry.js';
export { makePlan } from './schedule/plan.js';
export { readEvents, type PlEvent } from './events/log.js';
