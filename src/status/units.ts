/** Short human forms of durations, sizes and money for the status table and board. Pure. */

/** `950ms`, `2.5s`, `12s`, `4m05s`, `2h03m`, `3d04h`; `-` for null. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  // Below ten seconds a tenth matters: shell tasks and test runs live there.
  if (ms < 9950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${two(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${two(m % 60)}m`;
  return `${Math.floor(h / 24)}d${two(h % 24)}h`;
}

/** `512K`, `40M`, `1.2G`; `-` for null. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '-';
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)}K`;
  if (bytes < 1024 ** 3) return `${Math.round(bytes / 1024 ** 2)}M`;
  return `${(bytes / 1024 ** 3).toFixed(1)}G`;
}

/** `$0.012`, `$3.40`; `-` for nothing spent (adapters without cost figures report none). */
export function formatCost(usd: number | null): string {
  if (usd === null || !(usd > 0)) return '-';
  return usd < 1 ? `$${usd.toFixed(3)}` : `$${usd.toFixed(2)}`;
}

/** `37%`; `-` for null. */
export function formatPercent(cpu: number | null): string {
  return cpu === null || !Number.isFinite(cpu) ? '-' : `${Math.round(cpu)}%`;
}

/** `HH:MM:SS` of an ISO time, in UTC like the event log. */
export function clockTime(iso: string): string {
  return iso.slice(11, 19);
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}
