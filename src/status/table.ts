/** A column of a text table. */
export interface Column {
  header: string;
  /** Lower numbers are dropped last when the table does not fit. */
  priority: number;
  /** Cells may be cut with … down to this width; columns without it keep their full width. */
  minWidth?: number;
  align?: 'left' | 'right';
}

/** Colors a cell after it is padded, so escape codes never count towards the width. */
export type CellPaint = (row: number, column: number, padded: string) => string;

/**
 * Lay out a table in at most `width` columns: shrink the columns that may shrink (widest first,
 * cutting cells with …), then drop columns by priority. One space between columns. Pure.
 */
export function renderTable(columns: Column[], raw: string[][], width: number, paint?: CellPaint): string[] {
  const rows = raw.map((r) => r.map(flat));
  const natural = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const shown = columns.map((_, i) => i);
  const widths = [...natural];
  const total = () => shown.reduce((sum, i) => sum + widths[i]!, 0) + Math.max(0, shown.length - 1);
  while (total() > width) {
    const shrinkable = shown.filter((i) => widths[i]! > (columns[i]!.minWidth ?? Infinity));
    if (shrinkable.length > 0) {
      const widest = shrinkable.reduce((a, b) => (widths[b]! - columns[b]!.minWidth! > widths[a]! - columns[a]!.minWidth! ? b : a));
      widths[widest] = Math.max(columns[widest]!.minWidth!, widths[widest]! - (total() - width));
      continue;
    }
    if (shown.length <= 1) break;
    const drop = shown.reduce((a, b) => (columns[b]!.priority >= columns[a]!.priority ? b : a));
    shown.splice(shown.indexOf(drop), 1);
  }
  const line = (cells: string[], row: number) =>
    shown
      .map((i) => {
        const padded = pad(cut(cells[i] ?? '', widths[i]!), widths[i]!, columns[i]!.align);
        return paint && row >= 0 ? paint(row, i, padded) : padded;
      })
      .join(' ')
      // No trailing blanks: an empty last cell would leave them.
      .replace(/ +((?:\x1b\[[0-9;]*m)*)$/, '$1');
  return [line(columns.map((c) => c.header), -1), ...rows.map((r, n) => line(r, n))];
}

/** Cut `text` to `width` characters, ending with … when it was longer. */
export function cut(text: string, width: number): string {
  const one = flat(text);
  if (one.length <= width) return one;
  if (width <= 0) return '';
  return one.slice(0, width - 1) + '…';
}

// A cell is one line: line breaks and tabs in reasons and agent output become single spaces.
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  return align === 'right' ? text.padStart(width) : text.padEnd(width);
}
