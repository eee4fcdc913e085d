import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { RunOptions } from '../config/options.js';
import { appendEvent } from '../events/log.js';
import type { PlEvent, PlEventInput } from '../lifecycle/events.js';
import { layoutFor, type Layout } from '../queue/layout.js';
import { QueueStore } from '../queue/store.js';
import { withDesktop } from '../notify/desktop.js';
import type { Notifier } from '../notify/notifier.js';
import { DrainWatch } from './drain-watch.js';
import type { FromWorker, ToWorker } from '../worker/messages.js';
import type { Worker } from '../worker/loop.js';
import { nfsFault } from '../worker/fault.js';
import { Slots } from './slots.js';
import { restartDecision } from './restart-policy.js';
import { discardPrewarmed, sendToWorker, takeWorker } from './worker-process.js';

export { discardPrewarmed, prewarmWorkers } from './worker-process.js';

export interface SupervisorConfig {
  repo: string;
  queue?: string;
  state?: string;
  /** Worktrees folder (see LayoutOptions). */
  worktrees?: string;
  options: RunOptions;
  allowSharedQueue: boolean;
  /** Every event from every worker, for live progress. */
  onEvent?: (event: PlEvent) => void;
  /** Lines for the person running it (stopping, errors). */
  say?: (line: string) => void;
  /** Lines about something that went wrong on the side (a notification that failed). */
  warn?: (line: string) => void;
}

interface SlotState {
  agentId: string;
  slot: number;
  child?: ChildProcess;
  restarts: number[];
  finished: boolean;
  errored?: string;
}

/**
 * Keeps N workers alive. Workers coordinate only through files; the supervisor forks them, restarts
 * crashed ones with back-off, and turns signals into stop (finish and land) and kill (requeue).
 */
export class Supervisor {
  readonly layout: Layout;
  readonly id = `sup-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly slots: Slots;
  private readonly states: SlotState[] = [];
  private stopping = false;
  private killing = false;
  private resolveAll: (() => void) | undefined;
  private single: Worker | undefined;
  private readonly drain = new DrainWatch();
  private notifier: Notifier | undefined;

  constructor(private readonly config: SupervisorConfig) {
    this.layout = layoutFor(config.repo, { queue: config.queue, state: config.state, worktrees: config.worktrees });
    this.slots = new Slots(this.layout, this.id, nfsFault()?.link, config.options.hostId);
  }

  /** Run until the queue drains (--once) or a signal stops it. Returns slots that ended errored. */
  async run(): Promise<{ errored: string[] }> {
    await this.startNotifier();
    const drainTimer = setInterval(() => this.checkDrained(), this.config.options.monitorMs);
    drainTimer.unref();
    try {
      return await this.runSlots();
    } finally {
      clearInterval(drainTimer);
      this.checkDrained();
      await this.notifier?.close();
    }
  }

  private async runSlots(): Promise<{ errored: string[] }> {
    const count = this.config.options.single ? 1 : this.config.options.agents;
    const slots = this.slots.acquire(count);
    if (slots.length < count) this.config.say?.(`only ${slots.length} of ${count} agent slots were free (another supervisor holds the rest)`);
    try {
      if (this.config.options.single) return await this.runSingle(slots[0]!);
      await new Promise<void>((resolve) => {
        this.resolveAll = resolve;
        for (const s of slots) {
          const state: SlotState = { ...s, restarts: [], finished: false };
          this.states.push(state);
          this.spawn(state);
        }
        this.checkAllFinished();
      });
    } finally {
      discardPrewarmed();
      this.slots.releaseAll();
    }
    return { errored: this.states.filter((s) => s.errored).map((s) => `${s.agentId}: ${s.errored}`) };
  }

  /** First call: stop claiming, let running tasks finish and land. Second: kill agents, requeue tasks. */
  signal(): void {
    if (!this.stopping) {
      this.stopping = true;
      this.config.say?.('stopping: running tasks finish and land first; press Ctrl-C again to stop them now (their work is kept and requeued)');
      this.single?.stop();
      this.broadcast({ type: 'stop' });
    } else if (!this.killing) {
      this.killing = true;
      this.config.say?.('stopping now: killing agents, committing their partial work and returning their tasks to the queue');
      this.single?.kill();
      this.broadcast({ type: 'kill' });
    }
  }

  private async runSingle(slot: { agentId: string; slot: number }): Promise<{ errored: string[] }> {
    // Loaded here only: a forking supervisor never runs the worker loop itself, and loading it cost every run's start.
    const { Worker } = await import('../worker/loop.js');
    this.single = new Worker({ ...this.config, agentId: slot.agentId, slot: slot.slot, onEvent: (e) => this.record(e) });
    await this.single.run();
    return { errored: [] };
  }

  private broadcast(message: ToWorker): void {
    // A worker that died meanwhile is already on its way to a restart (or not, when stopping).
    for (const s of this.states) if (s.child) sendToWorker(s.child, message);
  }

  private record(event: PlEvent): void {
    this.config.onEvent?.(event);
    this.drain.observe(event);
    this.notifier?.observe(event);
  }

  /** Every worker's events pass here once, so this is where notifications are sent from. */
  private async startNotifier(): Promise<void> {
    const { settings, missing } = withDesktop(this.config.options.notify, this.config.options.notifyDesktop);
    if (missing) this.config.say?.('--notify-desktop: notify-send is not on PATH, so nothing is shown on the desktop');
    if (!settings) return;
    // Loaded only for a run that notifies anyone.
    const { Notifier } = await import('../notify/notifier.js');
    this.notifier = new Notifier({
      settings,
      run: this.id,
      cwd: this.layout.repo,
      dashboardFile: this.layout.dashboard,
      onFailure: (f) => {
        this.emit({ type: 'notify-failed', agent: this.id, hook: f.hook, kind: f.kind, task: f.task ?? undefined, reason: f.reason });
        this.config.warn?.(`parallel-loop: notification ${f.kind}${f.task ? ` of ${f.task}` : ''} to ${f.hook} failed: ${f.reason}`);
      },
    });
  }

  /** Record `drained` at the moment work runs out (a --once run's end included). */
  private checkDrained(): void {
    const store = new QueueStore(this.layout);
    const drained = this.drain.check({ inbox: store.taskFiles('inbox').length, running: store.taskFiles('running').length });
    if (drained) this.emit({ agent: this.id, ...drained });
  }

  private emit(event: PlEventInput): void {
    this.record(appendEvent(this.layout.events, event));
  }

  private spawn(state: SlotState): void {
    const child = takeWorker();
    state.child = child;
    let idleExit = false;
    let killed = false;
    child.on('message', (message: FromWorker) => {
      if (message.type === 'event') this.record(message.event);
      if (message.type === 'idle-exit') idleExit = true;
      if (message.type === 'killed') killed = true;
    });
    child.on('exit', (code, signal) => {
      state.child = undefined;
      const clean = idleExit && code === 0;
      this.emit({ type: 'agent-exited', agent: state.agentId, pid: child.pid, code, signal, reason: clean ? 'finished' : killed ? 'killed; starting a fresh worker' : `exit ${code ?? signal}` });
      if (clean || this.stopping) return this.finishSlot(state);
      // Killed on purpose (`parallel-loop kill`), not a crash: no back-off, not counted toward maxRestarts.
      if (killed && code === 0) return this.spawn(state);
      const decision = restartDecision(state.restarts, Date.now(), this.config.options && {
        backoffMs: this.config.options.restartBackoffMs,
        backoffMaxMs: this.config.options.restartBackoffMaxMs,
        maxRestarts: this.config.options.maxRestarts,
        windowMs: this.config.options.restartWindowMs,
      });
      if (!decision.restart) {
        state.errored = decision.reason;
        this.emit({ type: 'agent-errored', agent: state.agentId, reason: `worker crashed ${decision.reason}; slot marked errored` });
        return this.finishSlot(state);
      }
      state.restarts.push(Date.now());
      setTimeout(() => (this.stopping ? this.finishSlot(state) : this.spawn(state)), decision.delayMs);
    });
    const start: ToWorker = {
      type: 'start',
      repo: this.config.repo,
      queue: this.config.queue,
      state: this.config.state,
      worktrees: this.config.worktrees,
      agentId: state.agentId,
      slot: state.slot,
      supervisorId: this.id,
      options: this.config.options,
      allowSharedQueue: this.config.allowSharedQueue,
    };
    // The worker may die before it reads this (killed right after fork, or a spare that died meanwhile):
    // make sure it is gone, so its exit runs the restart path above instead of leaving the slot waiting.
    const started = sendToWorker(child, start, () => child.kill('SIGKILL'));
    if (!started) child.kill('SIGKILL');
    this.emit({ type: 'agent-spawned', agent: state.agentId, pid: child.pid });
  }

  private finishSlot(state: SlotState): void {
    state.finished = true;
    this.checkAllFinished();
  }

  private checkAllFinished(): void {
    if (this.states.every((s) => s.finished)) this.resolveAll?.();
  }
}
