// Per-attempt overhead of a run, from its events log (.parallel-loop/events.jsonl): where the time of an
// attempt goes outside its agent. Shared by bench:scale and bench:peers.
//   claim -> agent:   `claimed` to `agent-started` (history, base, worktree, set-up, prompt, spawn);
//   exit -> landed:   the agent's exit (`agent-started` + the agent's durationMs) to `landed` (reaping its tree,
//                     the leftover commit, merge, ref move, checkout sync);
//   landed -> next:   `landed` to the same agent's next `claimed` (cleanup, move to done/, release, select,
//                     claim); only for attempts that had a next one;
//   per attempt:      the three added up, what an attempt costs in git and bookkeeping.
// Builds without the `agent-started` event (a --cli of an older build) fall back to the prompt file's mtime,
// written just before the spawn.
import fs from 'node:fs';
import path from 'node:path';

export function readEvents(repo) {
  let text = '';
  try {
    text = fs.readFileSync(path.join(repo, '.parallel-loop', 'events.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

export function median(list) {
  const xs = list.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** One row per attempt (task and generation) with the times of its steps, epoch ms. */
export function attemptRows(repo, events = readEvents(repo)) {
  const rows = new Map();
  const row = (e) => {
    const key = `${e.task}#${e.gen}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { task: e.task, gen: e.gen }));
    return r;
  };
  for (const e of events) {
    if (!e.task || e.gen === undefined) continue;
    const at = Date.parse(e.time);
    const r = row(e);
    if (e.type === 'claimed') Object.assign(r, { claimed: at, agent: e.agent });
    else if (e.type === 'agent-started') r.agentStarted = at;
    else if (e.type === 'attempt-finished') Object.assign(r, { finished: at, durationMs: e.durationMs });
    else if (e.type === 'landed') r.landed = at;
    else if (e.type === 'done') r.done = at;
  }
  const list = [...rows.values()].filter((r) => r.claimed !== undefined);
  for (const r of list) {
    if (r.agentStarted === undefined) {
      try {
        r.agentStarted = fs.statSync(path.join(repo, '.parallel-loop', 'agents', r.agent, 'prompts', `${r.task}.${r.gen}.md`)).mtimeMs;
      } catch {
        r.agentStarted = NaN;
      }
    }
    r.agentExited = r.agentStarted + r.durationMs;
  }
  const byAgent = new Map();
  for (const r of list) byAgent.set(r.agent, [...(byAgent.get(r.agent) ?? []), r]);
  for (const own of byAgent.values()) {
    own.sort((a, b) => a.claimed - b.claimed);
    for (let i = 0; i + 1 < own.length; i++) own[i].nextClaimed = own[i + 1].claimed;
  }
  return list;
}

/** Medians of the phases over the landed attempts, ms. */
export function overhead(repo, events = readEvents(repo)) {
  const rows = attemptRows(repo, events).filter((r) => r.landed !== undefined);
  const toAgent = rows.map((r) => r.agentStarted - r.claimed);
  const toLanded = rows.map((r) => r.landed - r.agentExited);
  // The worker's own path from one agent to the next: its landing may run on behind the next task (landsBehind).
  const toNext = rows.map((r) => r.nextClaimed - r.agentExited);
  const perAttempt = rows.filter((r) => r.nextClaimed !== undefined).map((r) => r.agentStarted - r.claimed + (r.nextClaimed - r.agentExited));
  return { attempts: rows.length, toAgent: median(toAgent), toLanded: median(toLanded), toNext: median(toNext), perAttempt: median(perAttempt) };
}

export const OVERHEAD_HEADER = 'claim->agent  exit->next claim  exit->landed  per attempt';

const fmt = (ms) => (Number.isFinite(ms) ? ms.toFixed(0) : '-');

/** The medians in the columns of OVERHEAD_HEADER. */
export function overheadColumns(o) {
  return `${fmt(o.toAgent).padStart(12)}  ${fmt(o.toNext).padStart(15)}  ${fmt(o.toLanded).padStart(12)}  ${fmt(o.perAttempt).padStart(11)}`;
}

export const OVERHEAD_NOTE = [
  'claim->agent: `claimed` to the agent process (history, base, worktree, set-up, prompt); exit->next claim: the',
  'agent\'s exit to the same worker\'s next claim (its tree reaped, leftover commit, then the landing, or with no',
  'verify only its hand-off, since it lands behind the next task); exit->landed: the agent\'s exit to `landed`',
  '(merge, ref move, checkout sync); per attempt: claim->agent plus exit->next claim, the time a worker spends',
  'outside its agent per task (the goal is under 60 ms of git and bookkeeping per attempt on a small repository).',
];
