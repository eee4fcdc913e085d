/** Output helpers shared by commands: `--json` prints one JSON document, otherwise human lines. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLines(lines: string[]): void {
  if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
}

export function warn(line: string): void {
  process.stderr.write(`warning: ${line}\n`);
}
