import { ROOT_REFUSAL_LINE } from '../agents/claude-root.js';

/** How one attempt ended, as far as telling the environment's fault from the task's needs. */
export interface AttemptEnd {
  /** Adapter name: the `shell` agent runs the task's own command, so its failures are the task's. */
  adapter: string;
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** The worktree holds no change and no commit beyond the attempt's base. */
  noWork: boolean;
  /** Last lines of the agent's output. */
  tail: readonly string[];
  /** errno of a failed spawn (the program could not be started at all). */
  spawnError?: string;
}

/** A failure of the agent's environment: `kind` groups failures that are the same, `line` shows one. */
export interface EnvironmentFailure {
  kind: string;
  line: string;
}

/** Longer than this, an agent has done something before failing, whatever it printed. */
export const QUICK_EXIT_MS = 60_000;

/** Output lines that say the agent could not work at all, whatever the task: its set-up is wrong. */
const SIGNATURES: ReadonlyArray<{ kind: string; pattern: RegExp }> = [
  { kind: 'root refusal', pattern: new RegExp(ROOT_REFUSAL_LINE.replace(/[/\\^$.*+?()[\]{}|-]/g, '\\$&'), 'i') },
  { kind: 'authentication', pattern: /invalid[ _-]?(x-)?api[ _-]?key|authentication[_ ]error|authentication failed|invalid bearer token|not logged in|please run \/login|oauth token (has )?expired/i },
  { kind: 'unknown flag', pattern: /unknown (option|flag|argument)|unrecognized (option|argument)s?|unexpected argument '-/i },
  { kind: 'program not found', pattern: /: (command )?not found$/i },
];

/**
 * Whether an attempt failed because of the agent's environment rather than its task: the program
 * could not be started (ENOENT, EACCES), or it exited non-zero quickly, having changed and committed
 * nothing, with a line of output that names such a cause (bad credentials, an unknown flag, a
 * refusal to run as root, a missing program). Pure.
 */
export function environmentFailure(end: AttemptEnd, quickMs = QUICK_EXIT_MS): EnvironmentFailure | undefined {
  if (end.spawnError === 'ENOENT' || end.spawnError === 'EACCES') {
    return { kind: `${end.adapter}: could not start (${end.spawnError})`, line: `the agent program could not be started (${end.spawnError})` };
  }
  if (end.adapter === 'shell' || end.timedOut || end.aborted || end.signal || !end.noWork) return undefined;
  if (end.exitCode === undefined || end.exitCode === 0 || end.durationMs > quickMs) return undefined;
  for (const line of [...end.tail].reverse()) {
    const match = SIGNATURES.find((s) => s.pattern.test(line));
    if (match) return { kind: `${end.adapter}: ${match.kind}`, line: line.trim().slice(0, 300) };
  }
  return undefined;
}
