/** Pure restart decisions for a crash-looping worker slot (OTP/systemd style: back-off and a limit). */
export interface RestartPolicy {
  backoffMs: number;
  backoffMaxMs: number;
  maxRestarts: number;
  windowMs: number;
}

/** Given the times of earlier restarts, restart after a delay or give the slot up as errored. */
export function restartDecision(restarts: readonly number[], now: number, policy: RestartPolicy): { restart: true; delayMs: number } | { restart: false; reason: string } {
  const recent = restarts.filter((t) => now - t < policy.windowMs);
  if (recent.length >= policy.maxRestarts) {
    return { restart: false, reason: `${recent.length} restarts within ${Math.round(policy.windowMs / 1000)}s` };
  }
  return { restart: true, delayMs: Math.min(policy.backoffMs * 2 ** recent.length, policy.backoffMaxMs) };
}
