/** Names of environment variables whose values never leave the machine through the dashboard. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION/i;
/** Shorter values are left: `1` or `true` would blank out half a log. */
const MIN_SECRET_LENGTH = 8;

/** The values of secret-looking variables in `env`, longest first (so a value inside another is not left half shown). */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === 'string' && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value!);
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/**
 * Text with every secret value replaced by `[redacted]`. Applied to everything the server sends
 * (JSON, logs, diffs): an agent that printed its API key must not put it in a browser. Pure.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}
