/** The result of one pre-flight check: a failure stops `run`, a warning only needs knowing. */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  /** What to do about it, for warnings and failures. */
  fix?: string;
}

/** Counts and the verdict over all checks. Pure. */
export function verdict(checks: readonly Check[]): { ok: boolean; failures: number; warnings: number } {
  const failures = checks.filter((c) => c.status === 'fail').length;
  const warnings = checks.filter((c) => c.status === 'warn').length;
  return { ok: failures === 0, failures, warnings };
}

/** Checks as lines for a terminal: status, message, and the fix indented under it. Pure. */
export function formatChecks(checks: readonly Check[]): string[] {
  const label = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${label[c.status]}  ${c.message}`);
    if (c.fix && c.status !== 'ok') lines.push(`      fix: ${c.fix}`);
  }
  const { failures, warnings } = verdict(checks);
  lines.push('', failures === 0 ? `Ready to run${warnings > 0 ? ` (${plural(warnings, 'warning')})` : ''}.` : `${plural(failures, 'problem')} to fix${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}.`);
  return lines;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
