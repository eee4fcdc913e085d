/**
 * The search for the task that breaks a batch. The batch is a chain of landing commits, each on top of
 * the one before, so verifying "the first k tasks" is verifying the chain's k-th commit: no merge is
 * redone while searching. Pure.
 */
export interface Search {
  /** The first `passed` tasks are verified good on the tip. */
  passed: number;
  /** The first `failed` tasks are known to fail verify. */
  failed: number;
  /** True once a probe failed: the failing prefix's own run, not only the whole batch's, says it. */
  narrowed: boolean;
}

/** The search after the whole batch of `size` failed. */
export function startSearch(size: number): Search {
  return { passed: 0, failed: size, narrowed: false };
}

/** The prefix to verify next, or undefined when the failing task is found: task number `failed`. */
export function nextProbe(s: Search): number | undefined {
  return s.failed - s.passed > 1 ? Math.floor((s.passed + s.failed) / 2) : undefined;
}

export function afterProbe(s: Search, prefix: number, ok: boolean): Search {
  return ok ? { ...s, passed: prefix } : { ...s, failed: prefix, narrowed: true };
}

/**
 * Whether the suspect's failure should be seen once more before it is blamed: only the whole batch's run
 * said it failed (every smaller prefix passed), so a flaky check would blame the last task. A batch of one
 * is its own evidence. Costs one run at most, so a batch of n takes at most 1 + ceil(log2 n) + 1 runs.
 */
export function needsConfirm(s: Search, size: number): boolean {
  return size > 1 && !s.narrowed;
}

/** Whether a batch verified on `old` must be verified again on a new tip, from the files each side changed. */
export function mustReverify(policy: 'touched' | 'always', movedFiles: readonly string[], batchFiles: readonly string[]): boolean {
  if (policy === 'always') return true;
  const batch = new Set(batchFiles);
  return movedFiles.some((f) => batch.has(f));
}
