// Agents say "rate limited" in many ways: HTTP 429s, provider error names, and
// subscription usage limits. These checks are shared by the adapters' parsers.

const RATE_LIMIT_TEXT =
  /\b429\b|rate[ _-]?limit|too many requests|usage limit|quota exceeded|you've (?:hit|reached) your\b[^.]*\blimit|RateLimitError/i;

/** Whether an agent's error text says it was rate limited or ran out of its usage allowance. */
export function isRateLimitText(text: string): boolean {
  return RATE_LIMIT_TEXT.test(text);
}

/** Epoch seconds as an ISO time, or undefined when the number is not a plausible time. */
export function epochSecondsToIso(seconds: unknown): string | undefined {
  const value = typeof seconds === 'string' ? Number(seconds) : seconds;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  // Accept milliseconds too: some tools print Date.now() values.
  const ms = value > 1e12 ? value : value * 1000;
  return new Date(ms).toISOString();
}

/**
 * The reset time a rate-limit message names as an absolute time, as ISO. Understands
 * Claude Code's `Claude AI usage limit reached|<epoch seconds>` and ISO timestamps in the text.
 * Relative times ("resets 3pm", "try again in 5 minutes") give undefined: they need a clock and time zone.
 */
export function resetTimeFromText(text: string): string | undefined {
  const epoch = /limit reached\|(\d{9,13})/i.exec(text);
  if (epoch) return epochSecondsToIso(epoch[1]);
  const iso = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/.exec(text);
  if (!iso) return undefined;
  const time = new Date(iso[0]);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}
