import { painter, type Paint, type Style } from './color.js';
import { cut, renderTable, type Column } from './table.js';
import type { AgentRow, FinishedRow, Status } from './types.js';
import { clockTime, formatBytes, formatCost, formatDuration, formatPercent } from './units.js';

/** How the table is laid out. */
export interface FormatOptions {
  /** Terminal columns. Default 80. */
  width?: number;
  /** Terminal rows: sections are cut to fit. Default: no limit. */
  height?: number;
  /** Use ANSI colors. Default false. */
  color?: boolean;
  /** Finished tasks listed under Recent. Default 5. */
  recent?: number;
}

const AGENT_COLUMNS: Column[] = [
  { header: 'AGENT', priority: 0, minWidth: 5 },
  { header: 'UP', priority: 3 },
  { header: 'PID', priority: 8, align: 'right' },
  { header: 'TASK', priority: 1, minWidth: 6 },
  { header: 'ATT', priority: 4, align: 'right' },
  { header: 'PHASE', priority: 0 },
  { header: 'TIME', priority: 2, align: 'right' },
  { header: 'BEAT', priority: 5, align: 'right' },
  { header: 'CPU', priority: 7, align: 'right' },
  { header: 'MEM', priority: 7, align: 'right' },
  { header: 'COST', priority: 6, align: 'right' },
  { header: 'LAST EVENT', priority: 9, minWidth: 10 },
];

/** The status for people: a few summary lines, one table row per agent, landing and recent tasks. Pure. */
export function formatTable(status: Status, options: FormatOptions = {}): string[] {
  const width = Math.max(20, options.width ?? 80);
  const p = painter(options.color ?? false);
  const head = headLines(status, p).map((l) => fit(l, width));
  const table =
    status.agents.length > 0
      ? byHost(status, renderTable(AGENT_COLUMNS, status.agents.map(agentCells), width, (row, col, text) => paintCell(p, status.agents[row]!, col, text)), width, p)
      : ['No agent has worked here yet.'];
  table[0] = p('bold', table[0]!);
  const tail = [...pausedLines(status, width, p), ...strandedLines(status, p), ...landingLines(status, p), ...recentLines(status, options.recent ?? 5, p)].map((l) => fit(l, width));
  return fitHeight(head, table, tail, options.height);
}

/** The JSON form: the Status as it is (docs/STATUS.md). */
export function formatJson(status: Status): string {
  return JSON.stringify(status, null, 2);
}

/** One line that changes when anything worth a look changes: for watch output that is not a terminal. */
export function summaryLine(status: Status): string {
  const c = status.counts;
  const agents = status.agents.map((a) => `${a.id}:${a.alive === false ? 'gone' : a.stale ? 'stale' : a.phase}${a.task ? `:${a.task}` : ''}`).join(' ');
  return `${clockTime(status.generatedAt)} inbox ${c.inbox} running ${c.running} landing ${c.landing} done ${c.done} failed ${c.failed} | ${agents || 'no agents'}`;
}

// Shown once a pipeline is in play: tasks per stage, in hand and waiting (the board's columns).
function stageLine(s: Status): string[] {
  const st = s.stages;
  if (!s.running.some((r) => r.stage !== null) && s.waiting.length === 0 && st.review + st.test === 0) return [];
  const waiting = s.waiting.length > 0 ? ` (${s.waiting.length} waiting)` : '';
  return [`Stages implement ${st.implement} · review ${st.review} · test ${st.test} · landing ${st.landing}${waiting}`];
}

function headLines(s: Status, p: Paint): string[] {
  const alive = s.agents.filter((a) => a.alive === true).length;
  const who = alive > 0 ? p('green', `${alive} of ${s.agents.length} agents alive`) : p('yellow', 'no agent running');
  const c = s.counts;
  const t = s.throughput;
  const remaining = c.inbox + c.running;
  const eta = remaining === 0 ? 'queue empty' : t.inboxEtaMs === null ? 'ETA unknown' : `ETA ${formatDuration(t.inboxEtaMs)}`;
  const w = s.work;
  const speed = w.speedup === null ? 'no attempts yet' : `speed-up ${w.speedup.toFixed(2)}x (${formatDuration(w.busyMs)} of agent time in ${formatDuration(w.wallMs)})`;
  return [
    `${p('bold', 'parallel-loop')} ${s.repo} · ${who} · ${clockTime(s.generatedAt)} UTC`,
    `Tasks  ${s.queued.total} queued · ${c.running} running · ${c.landing} landing · ${c.done} done · ${c.failed > 0 ? p('red', `${c.failed} failed`) : '0 failed'} · ${c.rejected} rejected`,
    ...stageLine(s),
    `Rate   ${t.donePerHour.toFixed(1)} done/h · last hour ${t.doneLastHour} done, ${t.failedLastHour} failed · ${eta}`,
    `Work   ${speed} · ${w.attempts} attempt${w.attempts === 1 ? '' : 's'} · spent ${s.costUsd > 0 ? formatCost(s.costUsd) : '$0'}`,
  ];
}

function agentCells(a: AgentRow): string[] {
  return [
    a.id,
    a.alive === null ? '?' : a.alive ? 'yes' : 'no',
    a.pid === null ? '-' : String(a.pid),
    a.task ?? '-',
    a.attempt === null ? '-' : String(a.attempt),
    phaseText(a),
    formatDuration(a.elapsedMs),
    formatDuration(a.heartbeatAgeMs),
    formatPercent(a.cpu),
    formatBytes(a.memoryBytes),
    formatCost(a.costUsd),
    a.lastEvent ?? a.note ?? '',
  ];
}

/**
 * With agents of several hosts (one queue and state folder shared), a line before each host's rows
 * says whose they are and how many of them work; `agents` comes grouped by host. One host: no lines.
 */
function byHost(s: Status, table: string[], width: number, p: Paint): string[] {
  if (s.hosts.length < 2) return table;
  const out = [table[0]!];
  let row = 1;
  for (const h of s.hosts) {
    const stale = h.stale > 0 ? ` · ${p('yellow', `${h.stale} stale`)}` : '';
    out.push(fit(`${p('bold', `host ${h.host}`)} · ${h.agents} agent${h.agents === 1 ? '' : 's'}${stale}`, width));
    out.push(...table.slice(row, row + h.agents));
    row += h.agents;
  }
  return out;
}

// The heartbeat of a process that is gone still names its last phase; say what that means.
function phaseText(a: AgentRow): string {
  if (a.stale) return `stale:${a.phase}`;
  if (a.alive !== false) return a.phase;
  return a.phase === 'stopping' || a.phase === 'idle' || a.phase === 'starting' ? 'exited' : `died:${a.phase}`;
}

const PHASE_STYLE: Record<string, Style> = { agent: 'green', landing: 'cyan', verifying: 'cyan', committing: 'cyan', idle: 'dim', stopping: 'yellow', paused: 'yellow' };

function paintCell(p: Paint, a: AgentRow, col: number, text: string): string {
  const header = AGENT_COLUMNS[col]!.header;
  if (header === 'UP') return a.alive === false ? p('red', text) : a.alive ? p('green', text) : text;
  if (header === 'PHASE') return a.stale ? p('yellow', text) : a.alive === false ? p('dim', text) : PHASE_STYLE[a.phase] ? p(PHASE_STYLE[a.phase]!, text) : text;
  if (header === 'LAST EVENT') return p('dim', text);
  return text;
}

// Why claiming waits, whole: the reason names the load and how long it has lasted, too long for a table cell.
function pausedLines(s: Status, width: number, p: Paint): string[] {
  const paused = s.agents.filter((a) => a.alive !== false && a.phase === 'paused' && a.note);
  if (paused.length === 0) return [];
  return ['', ...paused.flatMap((a, i) => wrap(`${a.id}: ${a.note}`, width - 8).map((l, j) => `${i === 0 && j === 0 ? p('yellow', 'Paused') : '      '}  ${l}`))];
}

/** Words of `text` in lines of at most `width` visible characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

// Task files in running/ that no live agent works on: a crash the health monitor will repair.
function strandedLines(s: Status, p: Paint): string[] {
  const stranded = s.running.filter((r) => r.owner !== 'alive' && r.owner !== 'unknown');
  if (stranded.length === 0) return [];
  const list = stranded.map((r) => `${r.task} (${r.owner === 'unclaimed' ? 'no live claim' : `owner ${r.agent ?? '?'} gone`})`).join(', ');
  return ['', `${p('yellow', 'Stranded')} ${list}: the next worker to start reclaims them`];
}

function landingLines(s: Status, p: Paint): string[] {
  if (s.landing.length === 0) return [];
  return ['', ...s.landing.map((l, i) => `${i === 0 ? p('cyan', 'Landing') : '       '} ${l.task}${l.attempt ? ` (attempt ${l.attempt})` : ''}: ${l.reason ?? 'held'}`)];
}

function recentLines(s: Status, limit: number, p: Paint): string[] {
  const rows = [...s.recent.done, ...s.recent.failed].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
  if (rows.length === 0) return [];
  const now = Date.parse(s.generatedAt);
  return ['', ...rows.map((r, i) => `${i === 0 ? p('bold', 'Recent') : '      '}  ${finishedText(r, p)} · ${formatDuration(now - Date.parse(r.at))} ago`)];
}

function finishedText(r: FinishedRow, p: Paint): string {
  const who = r.agent ? ` by ${r.agent}` : '';
  if (r.outcome === 'failed') return `${p('red', 'failed')} ${r.task}${who}: ${r.reason ?? 'no reason recorded'}`;
  const how =
    r.landing === 'landed' && r.commit ? `landed ${r.commit.slice(0, 8)}`
    : r.landing === 'kept' && r.branch ? `kept on ${r.branch}`
    : r.landing === 'pr' && r.url ? `pull request ${r.url}`
    : (r.landing ?? 'done');
  return `${p('green', 'done')} ${r.task}${who}: ${how}${r.durationMs !== null ? ` in ${formatDuration(r.durationMs)}` : ''}`;
}

// Cut a line to the width by its visible characters; escape codes do not take room.
function fit(line: string, width: number): string {
  // Reasons and agent output may hold line breaks; a status line is one line.
  const one = line.replace(/[\r\n\t]+/g, ' ');
  const visible = one.replace(/\x1b\[[0-9;]*m/g, '');
  if (visible.length <= width) return one;
  return cut(visible, width);
}

// A short terminal keeps the head, then as many agent rows as fit, then what is left of the rest.
function fitHeight(head: string[], table: string[], tail: string[], height: number | undefined): string[] {
  const all = [...head, '', ...table, ...tail];
  if (height === undefined || all.length <= height) return all;
  const budget = Math.max(1, height);
  if (budget <= head.length + 2) return [...head, '', ...table].slice(0, budget);
  const rows = budget - head.length - 1;
  if (table.length > rows) {
    const shown = table.slice(0, rows - 1);
    return [...head, '', ...shown, `… ${table.length - shown.length} more agents (a taller terminal shows them)`];
  }
  const rest = tail.slice(0, rows - table.length);
  while (rest.at(-1) === '') rest.pop();
  return [...head, '', ...table, ...rest];
}
