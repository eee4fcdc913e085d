import type { FinishedRow, Status } from './types.js';
import { formatDuration } from './units.js';

/**
 * `.parallel-loop/board.md`: the status as a Markdown tracking board, one section per stage the
 * way hand-kept TODO / IN_PROGRESS / CHANGELOG files track agent work. Generated each status pass;
 * edits to it are overwritten. Pure.
 */
export function formatBoard(status: Status): string {
  const c = status.counts;
  const lines = [
    '# parallel-loop board',
    '',
    `Updated ${status.generatedAt} · ${status.queued.total} queued · ${c.running} in progress · ${c.landing} landing · ${c.done} done · ${c.failed} failed`,
    '',
    `## Queued (${status.queued.total})`,
    '',
    ...list(status.queued.next.map((id) => `- ${md(id)}`), status.queued.total, 'in the queue folder'),
    '',
    `## In progress (${c.running})`,
    '',
    ...inProgress(status),
    '',
    `## Landing (${c.landing})`,
    '',
    ...list(
      status.landing.map((l) => `- ${md(l.task)}: ${md(l.reason ?? 'held')} (attempt ${l.attempt ?? '?'}${l.agent ? ` by ${md(l.agent)}` : ''}, since ${l.since})`),
      c.landing,
    ),
    '',
    `## Done (${c.done})`,
    '',
    ...list(status.recent.done.map(doneLine), c.done, 'in queue/done/'),
    '',
    `## Failed (${c.failed})`,
    '',
    ...list(status.recent.failed.map(failedLine), c.failed, 'in queue/failed/'),
    '',
  ];
  return lines.join('\n');
}

function inProgress(s: Status): string[] {
  if (s.running.length === 0) return ['_none_'];
  const rows = s.running.map((r) => {
    // A second or later attempt is marked the way hand-kept boards mark retries.
    const retry = (r.attempt ?? 1) > 1 ? '[RETRY] ' : '';
    const owner = r.owner === 'alive' || r.owner === 'unknown' ? (r.agent ?? '?') : `${r.agent ?? '?'} (${r.owner === 'dead' ? 'gone' : 'no live claim'})`;
    return `| ${retry}${md(r.task)} | ${md(owner)} | ${r.attempt ?? '-'} | ${r.phase ?? '-'} | ${formatDuration(r.elapsedMs)} |`;
  });
  return ['| Task | Agent | Attempt | Phase | For |', '|---|---|---|---|---|', ...rows];
}

function doneLine(r: FinishedRow): string {
  const how =
    r.landing === 'landed' && r.commit ? `landed \`${r.commit.slice(0, 12)}\`` : r.landing === 'kept' && r.branch ? `kept on \`${r.branch}\`` : (r.landing ?? 'done');
  return `- ${md(r.task)}: ${how} (${meta(r)})`;
}

function failedLine(r: FinishedRow): string {
  return `- ${md(r.task)}: ${md(r.reason ?? 'no reason recorded')} (${meta(r)})`;
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
