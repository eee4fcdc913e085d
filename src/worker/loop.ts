import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import type { RunOptions } from '../config/options.js';
import { appendEvent } from '../events/log.js';
import type { AgentEventInput, PlEvent } from '../lifecycle/events.js';
import { layoutFor, type Layout } from '../queue/layout.js';
import { QueueStore } from '../queue/store.js';
import { InboxIndex, type InboxEntry } from '../queue/inbox.js';
import { takeTask, type Owner, type TakeResult } from '../queue/take.js';
import { withOwnedLock } from '../git/owned-lock.js';
import { hostBootId, processStartTime } from '../proc/start-time.js';
import { AgentStateWriter } from './agent-state.js';
import { heldSinceFor } from './held-since.js';
import { selectTask, touchesBusy } from './select.js';
import { faultInjector, nfsFault } from './fault.js';
import type { Monitor } from '../health/monitor.js';
import { CANCELLED, readCancelRequest } from '../queue/cancel.js';
import { ClaimGate } from '../governance/claim-gate.js';
import type { TaskOutcome } from './settle.js';

// Attempts (worktrees, agents, landing) and the health monitor are loaded when first needed: together
// they are most of a worker's code, and N workers loading them at once on a few cores delayed every
// first claim.
let taskModule: Promise<typeof import('./handle-task.js')> | undefined;
const loadHandleTask = () => (taskModule ??= import('./handle-task.js'));
let landerModule: Promise<typeof import('./lander.js')> | undefined;
const loadLander = () => (landerModule ??= import('./lander.js'));

/** How often an idle worker in --once mode looks whether the last running tasks have ended. */
const DRAIN_POLL_MS = 100;

export interface WorkerConfig {
  repo: string;
  queue?: string;
  state?: string;
  /** Worktrees folder (see LayoutOptions). */
  worktrees?: string;
  agentId: string;
  slot: number;
  options: RunOptions;
  allowSharedQueue: boolean;
  supervisorPid?: number;
  /** Called for every event recorded (the supervisor shows them as live progress). */
  onEvent?: (event: PlEvent) => void;
}

/**
 * One agent's loop: claim the next task, run an attempt, land or retry, repeat. Coordinates with other
 * workers only through the queue's files. `stop()` lets the current task finish; `kill()` stops its agent.
 */
export class Worker {
  readonly layout: Layout;
  readonly store: QueueStore;
  readonly state: AgentStateWriter;
  private readonly index: InboxIndex;
  readonly owner: Owner;
  private stopping = false;
  /** Set by stop() or kill(): finish what is in hand, start nothing new. */
  get isStopping(): boolean {
    return this.stopping;
  }
  private readonly abort = new AbortController();
  private current: { id: string; abort: AbortController } | undefined;
  /** Ends the sleep in progress, if any. */
  private endSleep: (() => void) | undefined;
  private readonly watchers: fs.FSWatcher[] = [];
  private watching = false;
  private ended = false;
  private lastRescan = 0;
  private readonly gate: ClaimGate;
  /** Cleanups of landed attempts still running (see deferCleanup). */
  private readonly cleanups = new Set<Promise<unknown>>();
  readonly counts = { done: 0, failed: 0 };
  /** The landing running behind this worker's current task (landBehind), and what it threw. */
  private landing: Promise<void> | undefined;
  private landingError: unknown;
  /**
   * The last attempt this worker finished in its slot's warm worktree and committed: its landing may still
   * run, but nothing of it is left in the worktree to save when the next task takes it.
   */
  finishedInSlot: { task: string; gen: number } | undefined;

  constructor(readonly config: WorkerConfig) {
    this.layout = layoutFor(config.repo, { queue: config.queue, state: config.state, worktrees: config.worktrees });
    this.store = new QueueStore(this.layout, { calls: nfsFault() });
    this.store.init();
    this.index = new InboxIndex(this.store, { allowSharedQueue: config.allowSharedQueue });
    const pidStart = processStartTime(process.pid);
    const bootId = hostBootId();
    this.owner = { agentId: config.agentId, pid: process.pid, pidStart, host: os.hostname(), bootId };
    this.state = new AgentStateWriter(this.layout, { agentId: config.agentId, pidStart, bootId, supervisorPid: config.supervisorPid });
    this.gate = new ClaimGate(this);
  }

  emit(event: AgentEventInput): void {
    const full = appendEvent(this.layout.events, { agent: this.config.agentId, ...event });
    this.config.onEvent?.(full);
  }

  /**
   * Let a landed attempt's cleanup (worktree removal, branch deletion) run on while its task is settled and
   * the next task claimed: it is the cleanup of a task already in done/, whose failure was never more than a
   * leftover for `clean`. The next attempt waits for it before it touches a worktree (`cleanupsDone`), since
   * both take the worktree lock (and a warm slot's folder is the same), and the worker waits for it before it ends.
   */
  deferCleanup(work: Promise<unknown>): void {
    const running: Promise<unknown> = work.catch(() => undefined).finally(() => this.cleanups.delete(running));
    this.cleanups.add(running);
  }

  /** Resolves once every deferred cleanup has ended. */
  async cleanupsDone(): Promise<void> {
    while (this.cleanups.size > 0) await Promise.all([...this.cleanups]);
  }

  stop(): void {
    this.stopping = true;
    this.wake();
  }

  kill(): void {
    this.stopping = true;
    this.abort.abort();
    this.wake();
  }

  async run(): Promise<{ done: number; failed: number }> {
    const heartbeat = setInterval(() => {
      this.state.beat();
      this.checkCancel();
    }, this.config.options.heartbeatMs);
    heartbeat.unref();
    // Every worker runs the health monitor: no single process has to survive for stale claims to heal.
    let monitor: Promise<Monitor> | undefined;
    const monitorTimer = setInterval(() => {
      monitor ??= import('../health/monitor.js').then(({ Monitor }) => new Monitor({ store: this.store, options: this.config.options, owner: this.owner, emit: (e) => this.emit(e) }));
      monitor.then((m) => m.pass()).then(
        (reclaimed) => reclaimed.length > 0 && this.wake(),
        () => undefined,
      );
    }, this.config.options.monitorMs);
    monitorTimer.unref();
    const fault = faultInjector(this.config.agentId);
    try {
      this.state.set({ phase: 'idle' });
      fault('before-first-claim');
      while (!this.stopping) {
        this.throwLandingError();
        // The landing queue first: ready tasks are the closest to done (see worker/lander.ts).
        if (this.store.readyIds().length > 0) {
          const { landQueue } = await loadLander();
          const landed = await landQueue(this, this.index, fault);
          for (const outcome of landed) this.count(outcome);
          if (landed.length > 0) continue;
        }
        const entry = this.next();
        if (!entry) {
          this.startWatcher();
          if (this.config.options.once && this.drained()) break;
          if (this.gate.check({ idle: true }).action === 'stop') break;
          await this.sleep(this.idleWaitMs());
          continue;
        }
        if ('fail' in entry) continue;
        // Budget, preflight commands, rate-limit pause and machine load are asked before every claim.
        await this.gate.refreshPreflight();
        const gate = this.gate.check();
        if (gate.action === 'stop') break;
        if (gate.action === 'wait') {
          await this.sleep(gate.ms);
          continue;
        }
        if (!this.index.isCurrent(entry)) {
          this.lastRescan = 0;
          continue;
        }
        this.state.set({ phase: 'claiming' });
        const taken = await this.take(entry, fault);
        // Overlapping a task another worker started just now: stays in the index, picked again once that one ends.
        if (taken === 'busy') {
          this.state.set({ phase: 'idle' });
          continue;
        }
        this.index.remove(entry.file);
        if (!taken.ok) {
          if (taken.reason === 'duplicate' || taken.reason === 'invalid') this.emit({ type: 'rejected', task: entry.id, reason: taken.reason });
          this.state.set({ phase: 'idle' });
          // An inbox file whose claim is live (its owner died between claim and move) would otherwise be
          // re-indexed and re-tried at once, forever, without yielding: the monitor that reclaims it never runs.
          if (taken.reason === 'live' && this.index.size === 0) await this.sleep(this.config.options.rescanMs);
          continue;
        }
        fault('task-moved');
        // Out of the inbox now: a hold mark another worker wrote meanwhile goes (see HeldSince).
        heldSinceFor(this.store.layout.state).forget(taken.task.id);
        this.emit({ type: 'claimed', task: taken.task.id, gen: taken.gen, file: taken.file });
        // One controller per task, so `parallel-loop cancel` stops this attempt and not the worker.
        this.current = { id: taken.task.id, abort: new AbortController() };
        this.checkCancel();
        this.startWatcher();
        const { handleTask } = await loadHandleTask();
        const outcome = await handleTask(this, taken, AbortSignal.any([this.abort.signal, this.current.abort.signal]), fault);
        this.current = undefined;
        if (typeof outcome === 'string') this.count(outcome);
        else await this.landBehind(outcome.behind);
        this.state.clearTask(this.stopping ? 'stopping' : 'idle');
      }
    } finally {
      // Nothing this worker started may outlive it: its last landing ends, and a --once run ends with the
      // worktrees of landed tasks gone.
      await this.landing;
      await this.cleanupsDone();
      clearInterval(heartbeat);
      clearInterval(monitorTimer);
      this.ended = true;
      for (const watcher of this.watchers.splice(0)) watcher.close();
      this.state.clearTask('stopping');
      this.state.flush();
    }
    this.throwLandingError();
    return this.counts;
  }

  /**
   * Let a finished task land while this worker claims and starts its next one (see landsBehind). At most
   * one lands behind at a time: a second waits for the first, which has had a whole attempt to finish. The
   * task stays in running/, claimed by this worker, until it has landed: a task touching its files waits
   * for it, and a worker that dies meanwhile leaves it to a reclaim, as any claim.
   */
  private async landBehind(landing: Promise<TaskOutcome>): Promise<void> {
    await this.landing;
    const mine: Promise<void> = landing.then(
      (outcome) => {
        this.count(outcome);
        // An idle worker (its last task was this one) looks again now: in --once mode the run may be over.
        this.nudge();
      },
      (err: unknown) => {
        this.landingError ??= err;
        this.wake();
      },
    );
    this.landing = mine;
    void mine.finally(() => {
      if (this.landing === mine) this.landing = undefined;
    });
  }

  /** A landing behind that threw ends the worker as it would have inline (the supervisor starts another). */
  private throwLandingError(): void {
    if (this.landingError !== undefined) throw this.landingError;
  }

  /**
   * Take the entry picked. A task with `touches` is taken under the queue's claim lock (shared by every host),
   * after a last look at running/: two workers picking at the same moment each saw the other's pick still in
   * the inbox, and would start two tasks on the same files. `busy` when one now runs there. Tasks without
   * `touches` conflict with nothing and take no lock.
   */
  private async take(entry: InboxEntry, fault: (step: string) => void): Promise<TakeResult | 'busy'> {
    if (entry.task.touches.length === 0) return takeTask(this.store, entry, this.owner, fault);
    return withOwnedLock(this.layout.sharedLocks, 'claim-touches', async () => (touchesBusy(this.store, entry) ? 'busy' : takeTask(this.store, entry, this.owner, fault)));
  }

  private count(outcome: string): void {
    if (outcome === 'done') this.counts.done++;
    if (outcome === 'failed') this.counts.failed++;
  }

  /** A cancel request for the task in hand (looked for on every heartbeat) aborts its attempt. */
  private checkCancel(): void {
    const current = this.current;
    if (current && !current.abort.signal.aborted && readCancelRequest(this.store, current.id)) current.abort.abort(CANCELLED);
  }

  /** The next task this worker may start, refreshing the inbox view when it is due. */
  private next(): InboxEntry | { fail: true } | undefined {
    const now = Date.now();
    if (now - this.lastRescan >= this.config.options.rescanMs || this.index.size === 0) this.rescan(now);
    return selectTask(this, this.index, now);
  }

  private rescan(now: number): void {
    this.lastRescan = now;
    for (const r of this.index.refresh().rejected) this.emit({ type: 'rejected', file: r.file, problems: r.problems });
  }

  /**
   * Called once an attempt's agent runs: the worker has nothing else to do until it exits, so the inbox view is
   * brought up to date now (new files parsed, taken ones dropped) rather than on the way from a landing to the
   * next claim. A file added later is still seen within `rescanMs`, as before.
   */
  prepareNext(): void {
    setImmediate(() => {
      if (!this.stopping && !this.ended) this.rescan(Date.now());
    });
  }

  /**
   * How long an idle worker waits before looking again. In --once mode with an empty inbox only running
   * tasks remain: their ending wakes the worker (the running/ watcher), and where no watch reports it
   * (a file system without one, another host's move) it looks again soon rather than a full rescan later.
   */
  private idleWaitMs(): number {
    const { once, rescanMs } = this.config.options;
    return once && this.index.size === 0 ? Math.min(rescanMs, DRAIN_POLL_MS) : rescanMs;
  }

  /** In --once mode: nothing waits in the inbox and nothing runs anywhere that could add work back. */
  private drained(): boolean {
    this.index.refresh();
    // Tasks whose landing waits on the person's dirty checkout do not keep a --once run going:
    // the run ends and its summary names them.
    if (this.index.deferred > 0 || this.index.ordered().some((e) => !e.held)) return false;
    return this.store.list('running').length === 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        if (this.endSleep === end) this.endSleep = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.endSleep = end;
    });
  }

  /** News for the inbox (a file arrived, a claim was reclaimed, a stop): a sleep ends, and the next look is a rescan, also when it comes while the worker is busy. */
  private wake(): void {
    this.lastRescan = 0;
    this.endSleep?.();
  }

  /**
   * Something an idle worker may be waiting for happened (a task ended): a sleep in progress ends, with a
   * rescan. A busy worker is left alone; its inbox view is as fresh as it was.
   */
  private nudge(): void {
    if (this.endSleep) this.wake();
  }

  /**
   * Watchers only wake an idle worker early; the periodic rescan is what guarantees a file is seen. A file
   * arriving in the inbox may be a task to take; a task leaving running/ may free the files a waiting task
   * touches, or (in --once mode) be the last one. Plain fs.watch on the two folders (see ARCHITECTURE.md
   * for why not chokidar), unref'd: a worker that has finished is never held by them.
   */
  private startWatcher(): void {
    if (this.watching || this.ended) return;
    this.watching = true;
    // A rename is a file coming or going: one arriving in the inbox, or one gone from running/, is news.
    this.watchFolder(this.layout.queue, true);
    this.watchFolder(this.store.dir('running'), false);
  }

  private watchFolder(dir: string, arriving: boolean): void {
    try {
      const watcher = fs.watch(dir, { persistent: false }, (type, name) => {
        if (type !== 'rename' || (name && fs.existsSync(path.join(dir, name)) !== arriving)) return;
        if (arriving) this.wake();
        else this.nudge();
      });
      watcher.on('error', () => undefined);
      this.watchers.push(watcher);
    } catch {
      // No watch (the folder is gone, or the file system cannot): the poll still sees it.
    }
  }
}
