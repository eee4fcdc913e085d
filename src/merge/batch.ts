import { PlError } from '../errors.js';
import { git } from '../git/repo.js';
import { withRepoLock } from '../git/lock.js';
import { refSafeId } from '../queue/layout.js';
import type { LandOutcome } from '../lifecycle/records.js';
import { afterProbe, mustReverify, needsConfirm, nextProbe, startSearch } from './bisect.js';
import { backoff, triesOption } from './cas.js';
import { defaultLockDir, type CheckoutReport } from './fast-forward.js';
import { prepareLanding, targetOf, type Landing, type LandOptions } from './land.js';
import { mergeOnto, type ChangelogReport } from './merge-onto.js';
import type { LandTarget } from './target.js';

/** What differs between the tasks of a batch; the rest of LandOptions is the batch's. */
export type BatchMember = Pick<LandOptions, 'branch' | 'base' | 'taskId' | 'title' | 'prompt' | 'attempt' | 'changelog'>;

export interface BatchOptions extends Pick<LandOptions, 'repo' | 'target' | 'remote' | 'landTarget' | 'style' | 'dirtyPolicy' | 'backup' | 'serialize' | 'lockDir' | 'maxTries'> {
  /** In landing order. */
  members: BatchMember[];
  /** Checks a merged commit holding the landings of `tasks` (the first tasks of the batch, in order). */
  verify?: (commit: string, tasks: string[]) => Promise<{ ok: boolean; output: string }>;
  /** See RunOptions.verifyOnMove. Default `touched`. */
  verifyOnMove?: 'touched' | 'always';
}

export interface BatchReport {
  /** Every member's outcome, by task id. */
  results: Map<string, LandOutcome>;
  verifyRuns: number;
  /** Tasks that landed after the same tree failed verify once and passed once. */
  flaky: Array<{ taskId: string; output: string }>;
}

interface Member {
  landing: Landing;
  /** Landings of the task are looked for in searchFrom..tip (moved on as tips are searched). */
  searchFrom: string;
}

/** One landing commit of the chain: the member's own, on top of `parent`. */
interface Link {
  member: Member;
  commit: string;
  parent: string;
  changelog?: ChangelogReport;
}

/** How a move of the ref went: `exact` when the target now is the chain's commit, so the rest of the chain still stands. */
type Committed = { exact: boolean; held?: boolean };

const idOf = (m: Member) => m.landing.options.taskId;

/**
 * Land a batch of tasks with one verify run when they pass together (docs/PROTOCOL.md, "Merge queue").
 * Each round: read the tip; leave out tasks already landed; merge the rest in order onto it, each its own
 * landing commit with its trailer (a conflicting task is taken out); verify the last commit; move the ref
 * once by compare-and-swap. A failing batch is bisected over the chain's prefixes: what passes lands, the
 * failing task alone gets the failure, and the rest go on in the next round. A target moved during verify
 * costs a new verify only when it changed files the batch changed (or `verifyOnMove: always`).
 */
export async function landBatch(o: BatchOptions): Promise<BatchReport> {
  const report: BatchReport = { results: new Map(), verifyRuns: 0, flaky: [] };
  const maxTries = triesOption(o.maxTries);
  const turns = o.serialize === false ? undefined : (o.lockDir ?? (await defaultLockDir(o.repo)));
  let pending: Member[] = [];
  const { members: _members, verify: _verify, verifyOnMove: _onMove, ...rest } = o;
  const target = targetOf(o);
  const shared = { ...rest, landTarget: target };
  const ctx = { turns, maxTries, target };
  for (const m of o.members) {
    const prepared = await prepareLanding({ ...shared, ...m }).catch((err: unknown) => unfinished(err));
    if ('status' in prepared) report.results.set(m.taskId, prepared);
    else pending.push({ landing: prepared, searchFrom: prepared.base });
  }
  for (let round = 1; pending.length > 0; round++) {
    if (round > maxTries + o.members.length) {
      const err = new PlError('LAND_CONTENDED', `The batch could not land on ${target.label}: the branch moved under each of ${maxTries} tries.`);
      for (const m of pending) report.results.set(idOf(m), unfinished(err));
      break;
    }
    const { tip } = await target.readTip();
    pending = await leaveOutLanded(target, pending, tip, report);
    const chain = await buildChain(pending, tip, report);
    pending = chain.map((l) => l.member);
    if (chain.length === 0) break;
    const committed = await verifyAndLand(o, chain, tip, report, ctx);
    pending = pending.filter((m) => !report.results.has(idOf(m)));
    if (committed.held) break;
  }
  return report;
}

/** A landing that could not finish now (git failed, the target kept moving): held, tried again later. */
function unfinished(err: unknown): LandOutcome {
  return { status: 'held', reason: `landing did not finish: ${err instanceof Error ? err.message : String(err)}` };
}

/** Tasks whose trailer reached the target since they were last looked for (a person, another lander) are done. */
async function leaveOutLanded(target: LandTarget, pending: Member[], tip: string, report: BatchReport): Promise<Member[]> {
  const left: Member[] = [];
  for (const m of pending) {
    const landed = m.searchFrom === tip ? undefined : await target.findLanding(m.searchFrom, tip, idOf(m));
    if (landed) report.results.set(idOf(m), { status: 'already-landed', commit: landed });
    else left.push({ ...m, searchFrom: tip });
  }
  return left;
}

/** Merge the members in order onto `tip`, each on the one before; a conflicting one is taken out. */
async function buildChain(members: Member[], tip: string, report: BatchReport): Promise<Link[]> {
  const chain: Link[] = [];
  let parent = tip;
  for (const member of members) {
    const merged = await mergeOnto(member.landing.merge, parent);
    if ('status' in merged) {
      if (merged.status === 'conflict') report.results.set(idOf(member), { status: 'conflict', files: merged.files, details: merged.details });
      continue;
    }
    chain.push({ member, commit: merged.commit, parent, changelog: merged.changelog });
    parent = merged.commit;
  }
  return chain;
}

interface Ctx {
  turns?: string;
  maxTries: number;
  target: LandTarget;
}

async function verifyAndLand(o: BatchOptions, chain: Link[], tip: string, report: BatchReport, ctx: Ctx): Promise<Committed> {
  const land = (from: number, to: number) => commitPrefix(o, chain, from, to, tip, report, ctx);
  if (!o.verify) return land(0, chain.length);
  const verify = (prefix: number) => {
    report.verifyRuns++;
    return o.verify!(chain[prefix - 1]!.commit, chain.slice(0, prefix).map((l) => idOf(l.member)));
  };
  let run = await verify(chain.length);
  if (run.ok) return land(0, chain.length);
  let search = startSearch(chain.length);
  let evidence = run.output;
  for (let probe = nextProbe(search); probe !== undefined; probe = nextProbe(search)) {
    run = await verify(probe);
    search = afterProbe(search, probe, run.ok);
    if (!run.ok) evidence = run.output;
  }
  if (search.passed > 0) {
    const committed = await land(0, search.passed);
    // Landed on a moved tip: the rest of the chain no longer stands on it; the next round merges it again.
    if (!committed.exact) return committed;
  }
  const suspect = chain[search.failed - 1]!;
  if (needsConfirm(search, chain.length)) {
    run = await verify(search.failed);
    if (run.ok) {
      report.flaky.push({ taskId: idOf(suspect.member), output: evidence });
      return land(search.passed, search.failed);
    }
    evidence = run.output;
  }
  report.results.set(idOf(suspect.member), { status: 'verify-failed', output: evidence });
  return { exact: true };
}

/**
 * Move the target from the chain's commit `from` (the tip, for 0) to its commit `to`, landing the tasks
 * between. A lost race re-reads the tip: new commits that changed files the batch changed (or
 * `verifyOnMove: always`) send the tasks back to be verified again; otherwise they are merged again on
 * the new tip and the ref moved without another verify.
 */
async function commitPrefix(o: BatchOptions, chain: Link[], from: number, to: number, tip: string, report: BatchReport, ctx: Ctx): Promise<Committed> {
  let links = chain.slice(from, to);
  let old = from === 0 ? tip : chain[from - 1]!.commit;
  let exact = true;
  for (let tries = 1; tries <= ctx.maxTries; tries++) {
    const next = links[links.length - 1]!.commit;
    const first = idOf(links[0]!.member);
    const once = () => swap(o, ctx.target, old, next, first, links.length);
    const step = ctx.turns ? await withRepoLock(ctx.turns, ctx.target.lockName, once) : await once();
    if (step.kind === 'moved') {
      for (const l of links) {
        const result = { status: 'landed' as const, commit: l.commit, previous: l.parent, tries, checkouts: step.checkouts, branchTip: l.member.landing.merge.branchTip };
        report.results.set(idOf(l.member), l.changelog ? { ...result, changelog: l.changelog } : result);
      }
      return { exact };
    }
    if (step.kind === 'held') {
      for (const l of chain.slice(from)) report.results.set(idOf(l.member), { status: 'held', reason: step.reason });
      return { exact: false, held: true };
    }
    // Raced: someone moved the target while the batch was verified.
    const moved = step.tip;
    const [movedFiles, batchFiles] = await Promise.all([changedFiles(o.repo, old, moved), changedFiles(o.repo, old, next)]);
    const members = links.map((l) => l.member);
    if (mustReverify(o.verifyOnMove ?? 'touched', movedFiles, batchFiles)) return { exact: false };
    const left = await leaveOutLanded(ctx.target, members, moved, report);
    const rebuilt = await buildChain(left, moved, report);
    // Anything taken out changes what was verified: the next round verifies what is left.
    if (rebuilt.length !== members.length) return { exact: false };
    links = rebuilt;
    old = moved;
    exact = false;
    await backoff(tries);
  }
  throw new PlError('LAND_CONTENDED', `The batch could not land on ${ctx.target.label}: the branch moved under each of ${ctx.maxTries} tries.`);
}

type Swap = { kind: 'moved'; checkouts: CheckoutReport[] } | { kind: 'held'; reason: string } | { kind: 'raced'; tip: string };

/** The compare-and-swap of one batch step, from reading the tip to moving the target (a remote's: a push with a lease). */
async function swap(o: BatchOptions, target: LandTarget, old: string, next: string, first: string, count: number): Promise<Swap> {
  const now = await target.readTip();
  if (now.tip !== old) return { kind: 'raced', tip: now.tip };
  // The backup ref is a local ref beside the branch it backs up; a remote's history is the remote's.
  const backupRef = o.backup === false || target.kind === 'remote' ? undefined : `refs/parallel-loop/backup/${refSafeId(first)}/batch-${count}-${Date.now()}-${process.pid}`;
  const step = await target.advance({ old, next, reason: `parallel-loop: land a batch of ${count} (first ${first})`, backupRef, dirtyPolicy: o.dirtyPolicy ?? 'hold', lockDir: o.lockDir, oldTree: now.tree });
  if (step.kind === 'raced') return { kind: 'raced', tip: (await target.readTip()).tip };
  return step.kind === 'held' ? { kind: 'held', reason: step.reason } : { kind: 'moved', checkouts: step.checkouts };
}

async function changedFiles(repo: string, a: string, b: string): Promise<string[]> {
  if (a === b) return [];
  return (await git(repo, ['diff', '--name-only', '-z', '--no-renames', a, b])).split('\0').filter(Boolean);
}
