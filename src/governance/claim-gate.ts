import type { RunOptions } from '../config/options.js';
import type { AgentEventInput } from '../lifecycle/events.js';
import { preflightFile, type Layout } from '../queue/layout.js';
import type { QueueStore } from '../queue/store.js';
import type { AgentStateWriter } from '../worker/agent-state.js';
import { runBudgetReached } from './budget.js';
import { ledgerFor, type Ledger } from './ledger.js';
import { loadDecision } from './load-policy.js';
import { LoadSampler, lowestLiveSlot } from './load-sampler.js';
import { activePause, readPause } from './pause.js';
import { openBreaker } from './breaker-file.js';
import { breakerMessage } from './breaker.js';
import { landingStop, landingStopMessage } from './landing-stop.js';
import { preflightFresh, preflightReason, readPreflight, runPreflight, writePreflight } from './preflight-commands.js';
import os from 'node:os';

export interface GateHost {
  readonly layout: Layout;
  readonly store: QueueStore;
  readonly state: AgentStateWriter;
  /** `supervisorPid`: the root of this run's process tree, whose CPU is not load from outside. */
  readonly config: { slot: number; options: RunOptions; supervisorPid?: number };
  emit(event: AgentEventInput): void;
}

/** Why claiming waits or stops; recorded as the `cause` of a `paused` event, so a reader need not parse the reason. */
export type GateCause = 'budget' | 'breaker' | 'remote' | 'rate-limit' | 'preflight' | 'load';

export type GateVerdict = { action: 'claim' } | { action: 'wait'; ms: number; reason: string; cause: GateCause; until?: string } | { action: 'stop'; reason: string; cause: GateCause };

/**
 * Asked by a worker before every claim: may it start new work now? In order: the run's budget,
 * the breaker for a broken agent environment and a remote that refused the credentials (stop for good), a failed `preflight` command (wait
 * until it passes), a rate-limit pause on file (wait until it ends), load from outside this run or
 * memory pressure (wait and sample again; see load-policy.ts). A change into or out of a pause is written to the agent state (phase `paused`,
 * the reason as its note, so status shows why) and recorded as a `paused` or `resumed` event.
 */
export class ClaimGate {
  private readonly ledger: Ledger;
  private readonly sampler: LoadSampler;
  private paused: string | undefined;
  private pausedBy: GateCause | undefined;
  private steppedDown = false;
  private preflightRun: Promise<void> | undefined;

  constructor(private readonly host: GateHost) {
    this.ledger = ledgerFor(host.layout.ledger);
    const { options, supervisorPid } = host.config;
    this.sampler = new LoadSampler(supervisorPid ?? process.pid, options.cpuWindowMs, options.pauseCpuPercent);
  }

  /**
   * Bring the shared preflight record up to date before a claim: the commands run again only when the
   * record (whichever worker wrote it) is older than `rescanMs`, so a claim seldom pays a process start.
   */
  async refreshPreflight(now = Date.now()): Promise<void> {
    const { options } = this.host.config;
    const file = preflightFile(this.host.layout, options.hostId);
    if (options.preflight.length === 0 || preflightFresh(readPreflight(file), now, options.rescanMs)) return;
    this.preflightRun ??= runPreflight({ commands: options.preflight, cwd: this.host.layout.repo, timeoutMs: options.preflightTimeoutMs, killGraceMs: options.killGraceMs })
      .then((record) => writePreflight(file, record))
      .finally(() => (this.preflightRun = undefined));
    await this.preflightRun;
  }

  /** With `idle` (nothing to claim) only the budget is asked: a pause with no work waiting is no news. */
  check(options: { idle?: boolean } = {}, now = Date.now()): GateVerdict {
    const verdict = this.decide(now, options.idle === true);
    if (verdict.action === 'claim') this.resume();
    else if (verdict.action === 'wait') this.pause(verdict.reason, verdict.cause, verdict.until);
    else {
      this.host.emit({ type: 'paused', reason: verdict.reason, cause: verdict.cause, stop: true });
      this.host.state.set({ phase: 'stopping', note: verdict.reason });
    }
    return verdict;
  }

  private decide(now: number, idle: boolean): GateVerdict {
    const { options, slot } = this.host.config;
    const budget = runBudgetReached(options.budgetUsd, options.budgetUsd === undefined ? 0 : this.ledger.totalUsd());
    if (budget) return { action: 'stop', reason: budget, cause: 'budget' };
    const broken = openBreaker(this.host.layout.breaker, os.hostname());
    if (broken) return { action: 'stop', reason: breakerMessage(broken), cause: 'breaker' };
    // Work that cannot land would only pile up: the remote refused this host's credentials.
    const refused = landingStop(this.host.layout.landingStop, os.hostname());
    if (refused) return { action: 'stop', reason: landingStopMessage(refused), cause: 'remote' };
    if (idle) return { action: 'claim' };
    const preflight = options.preflight.length > 0 ? readPreflight(preflightFile(this.host.layout, options.hostId)) : undefined;
    if (preflight && !preflight.ok) return { action: 'wait', ms: options.rescanMs, reason: preflightReason(preflight), cause: 'preflight' };
    const pause = activePause(readPause(this.host.layout.state), now);
    if (pause) {
      const reason = `claiming paused until ${pause.until}: ${pause.reason} (reported by ${pause.agent}${pause.task ? ` on ${pause.task}` : ''})`;
      return { action: 'wait', ms: Math.max(10, Math.min(Date.parse(pause.until) - now, options.rescanMs)), reason, cause: 'rate-limit', until: pause.until };
    }
    const sample = this.sampler.sample(now);
    const pool = () => ({ slot, lowestLiveSlot: lowestLiveSlot(this.host.layout.state, this.host.config.options.hostId), running: this.host.store.taskFiles('running').length });
    const load = loadDecision(sample, now, options, pool, this.steppedDown);
    this.steppedDown = load.stepDown;
    return load.claim ? { action: 'claim' } : { action: 'wait', ms: options.rescanMs, reason: load.reason, cause: 'load' };
  }

  private pause(reason: string, cause: GateCause, until: string | undefined): void {
    // A rate-limit pause that begins while the load already paused claiming is news of its own.
    if (this.pausedBy !== cause) this.host.emit({ type: 'paused', reason, cause, ...(until ? { until } : {}) });
    this.pausedBy = cause;
    if (this.paused !== reason) this.host.state.set({ phase: 'paused', note: reason });
    this.paused = reason;
  }

  private resume(): void {
    if (this.paused === undefined) return;
    this.paused = undefined;
    this.pausedBy = undefined;
    this.host.emit({ type: 'resumed' });
    this.host.state.set({ phase: 'idle', note: undefined });
  }
}
