import { placeTasks, type BoardEntry, type PlacedColumn } from './columns.js';
import type { FinishedRow, Status } from './types.js';
import { formatDuration } from './units.js';

/**
 * `.parallel-loop/board.md`: the status as a Markdown tracking board, one section per column of the
 * dashboard (placeTasks), the way hand-kept TODO / IN_PROGRESS / CHANGELOG files track agent work.
 * Generated each status pass; edits to it are overwritten. Pure.
 */
export function formatBoard(status: Status): string {
  const c = status.counts;
  const lines = [
    '# parallel-loop board',
    '',
    `Updated ${status.generatedAt} · ${status.queued.total} queued · ${c.running} in progress · ${c.landing} landing · ${c.done} done · ${c.failed} failed`,
    '',
  ];
  for (const column of placeTasks(status)) lines.push(`## ${column.title} (${column.count})`, '', ...section(column), '');
  return lines.join('\n');
}

function section(column: PlacedColumn): string[] {
  const { id, count, entries } = column;
  if (id === 'queued') return list(entries.flatMap((e) => (e.kind === 'queued' ? [`- ${md(e.task)}`] : [])), count, 'in the queue folder');
  if (id === 'done') return list(entries.flatMap((e) => (e.kind === 'finished' ? [doneLine(e.row)] : [])), count, 'in queue/done/');
  if (id === 'failed') return list(entries.flatMap((e) => (e.kind === 'finished' ? [failedLine(e.row)] : [])), count, 'in queue/failed/');
  return inHand(entries);
}

// A stage's column: the tasks in hand as a table, then those waiting for it (or held, for Landing).
function inHand(entries: BoardEntry[]): string[] {
  if (entries.length === 0) return ['_none_'];
  const lines: string[] = [];
  const rows = entries.flatMap((e) => (e.kind === 'running' ? [e.row] : []));
  if (rows.length > 0) {
    lines.push('| Task | Agent | Attempt | Phase | For |', '|---|---|---|---|---|');
    for (const r of rows) {
      // A second or later attempt is marked the way hand-kept boards mark retries; in a pipeline every
      // stage is an attempt of its own, so a later stage is not one.
      const retry = r.stage === null && (r.attempt ?? 1) > 1 ? '[RETRY] ' : '';
      const owner = r.owner === 'alive' || r.owner === 'unknown' ? (r.agent ?? '?') : `${r.agent ?? '?'} (${r.owner === 'dead' ? 'gone' : 'no live claim'})`;
      lines.push(`| ${retry}${md(r.task)} | ${md(owner)} | ${r.attempt ?? '-'} | ${r.phase ?? '-'} | ${formatDuration(r.elapsedMs)} |`);
    }
  }
  for (const e of entries) {
    if (e.kind === 'waiting') lines.push(`- ${md(e.row.task)}: waiting for ${e.row.stage} (since ${e.row.since})`);
    if (e.kind === 'held') lines.push(`- ${md(e.row.task)}: ${md(e.row.reason ?? 'held')} (attempt ${e.row.attempt ?? '?'}${e.row.agent ? ` by ${md(e.row.agent)}` : ''}, since ${e.row.since})`);
  }
  return lines;
}

function doneLine(r: FinishedRow): string {
  const how =
    r.landing === 'landed' && r.commit ? `landed \`${r.commit.slice(0, 12)}\``
    : r.landing === 'kept' && r.branch ? `kept on \`${r.branch}\``
    : r.landing === 'pr' && r.url ? `pull request ${md(r.url)}`
    : (r.landing ?? 'done');
  return `- ${md(r.task)}: ${how} (${meta(r)})`;
}

function failedLine(r: FinishedRow): string {
  return `- ${r.escalated ? '[ESCALATED] ' : ''}${md(r.task)}: ${md(r.reason ?? 'no reason recorded')} (${meta(r)})`;
}

function meta(r: FinishedRow): string {
  return [r.agent, r.attempt !== null ? `attempt ${r.attempt}` : undefined, r.at].filter(Boolean).map((x) => md(String(x))).join(', ');
}

// Sections list what the status holds; the rest is counted, not listed.
function list(items: string[], total: number, where = ''): string[] {
  if (items.length === 0 && total === 0) return ['_none_'];
  const more = total - items.length;
  return more > 0 ? [...items, `- … and ${more} more${where ? ` ${where}` : ''}`] : items;
}

// Task ids and reasons come from files and agent output: one line, no Markdown that changes the page.
function md(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/([\\`*_[\]<>#|])/g, '\\$1');
}
