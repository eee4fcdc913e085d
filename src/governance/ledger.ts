import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { readJsonOrUndefined, writeJsonAtomic } from '../util/atomic-write.js';

/** What one attempt spent: `.parallel-loop/ledger/<task>.<gen>.json`. */
export interface LedgerEntry {
  task: string;
  gen: number;
  attempt?: number;
  /** Adapter name (claude, codex, …). */
  agent: string;
  /** Worker slot that ran it (agent-1, …). */
  agentId?: string;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
  turns?: number;
  durationMs?: number;
  at: string;
}

/**
 * The spending ledger. Each attempt's owner writes one file of its own, atomically and once, so
 * any number of processes add to the ledger without a lock and no write can be lost; the total is
 * the sum of the files. Files never change after they are written, so this object keeps the ones
 * it has read and a sum costs one readdir plus reading the files that are new since the last.
 */
export class Ledger {
  private readonly seen = new Map<string, LedgerEntry | undefined>();

  constructor(readonly dir: string) {}

  /** Record one attempt. A generation is run by one owner, so its file name is never contended. */
  record(entry: Omit<LedgerEntry, 'at'>): void {
    fs.mkdirSync(this.dir, { recursive: true });
    writeJsonAtomic(path.join(this.dir, `${entry.task}.${entry.gen}.json`), { ...entry, at: new Date().toISOString() });
  }

  /** Every entry recorded so far, by any process. */
  entries(): LedgerEntry[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: LedgerEntry[] = [];
    for (const name of names) {
      // Dotfiles are writers' temp files, not yet renamed into place.
      if (name.startsWith('.') || !name.endsWith('.json')) continue;
      if (!this.seen.has(name)) this.seen.set(name, validEntry(readJsonOrUndefined(path.join(this.dir, name))));
      const entry = this.seen.get(name);
      if (entry) out.push(entry);
    }
    return out;
  }

  /** US dollars spent by every attempt recorded. */
  totalUsd(): number {
    return sumCost(this.entries());
  }

  /** US dollars spent on one task, over all its attempts. */
  taskUsd(task: string): number {
    return sumCost(this.entries().filter((e) => e.task === task));
  }
}

const shared = new Map<string, Ledger>();

/** One Ledger per folder per process, so every part of a worker shares the files already read. */
export function ledgerFor(dir: string): Ledger {
  let ledger = shared.get(dir);
  if (!ledger) shared.set(dir, (ledger = new Ledger(dir)));
  return ledger;
}

/** Sum of `costUsd`, rounded to a millionth of a dollar so float noise never crosses a budget. */
export function sumCost(entries: readonly Pick<LedgerEntry, 'costUsd'>[]): number {
  const sum = entries.reduce((total, e) => total + (e.costUsd ?? 0), 0);
  return Math.round(sum * 1e6) / 1e6;
}

function validEntry(raw: unknown): LedgerEntry | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const entry = raw as Partial<LedgerEntry>;
  if (typeof entry.task !== 'string' || typeof entry.gen !== 'number') return undefined;
  if (entry.costUsd !== undefined && !(typeof entry.costUsd === 'number' && Number.isFinite(entry.costUsd))) return undefined;
  return entry as LedgerEntry;
}
