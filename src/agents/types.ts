import type { Task } from '../task/types.js';

/** What an adapter is given to build one attempt's command line. */
export interface AgentContext {
  task: Task;
  /** The attempt's git worktree (the agent's cwd). */
  worktree: string;
  /** A file holding the full prompt (task prompt plus retry/conflict notes). */
  promptFile: string;
  /** The full prompt text (same as promptFile's content). */
  prompt: string;
  agentId: string;
  /** 1-based attempt number across reclaims. */
  attempt: number;
  /** Claim generation of this attempt. */
  gen: number;
}

/** Options an adapter reads from the run configuration (all optional). */
export interface AgentSettings {
  /** Executable to run instead of the adapter's default (e.g. a path to `claude`). */
  bin?: string;
  /** Extra arguments appended after the adapter's own. */
  extraArgs?: string[];
  /** Claude Code permission mode (default `bypassPermissions`). */
  permissionMode?: string;
  /** Claude Code: the agent runs in a sandbox (a container) on purpose; passes IS_SANDBOX=1 so it accepts bypassPermissions as root. Default false. */
  sandbox?: boolean;
  /** Model name passed to agents that take one. */
  model?: string;
  /** `command` adapter: argv template; placeholders {prompt_file} {task_id} {worktree} {attempt} {agent_id}. */
  template?: string[];
}

/** One command to run: an executable and an argument array, never a shell string. */
export interface AgentInvocation {
  file: string;
  args: string[];
  env?: Record<string, string>;
  /** Text written to the agent's stdin, then stdin is closed. */
  input?: string;
}

/** Something an agent reported, parsed from its output. */
export interface AgentEvent {
  kind: 'init' | 'text' | 'tool' | 'tool-result' | 'result' | 'error' | 'rate-limit';
  /** One readable line for status and logs. */
  summary: string;
  costUsd?: number;
  turns?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** For rate limits: when the agent said it resets (ISO time), if it said. */
  resetAt?: string;
  isError?: boolean;
  /**
   * The agent's whole text: on a `result`, its final text, when its adapter reports one (claude); on a
   * `text`, the whole message, when the adapter's result carries none (codex, whose last message is its
   * final text). A verdict line is read from the last of these (worker/verdict.ts).
   */
  text?: string;
}

/** What an attempt cost and did, summed from its events. */
export interface AgentUsage {
  costUsd?: number;
  turns?: number;
  inputTokens?: number;
  outputTokens?: number;
}

export interface AgentAdapter {
  name: string;
  /** Build the command line for one attempt. Throws PlError naming the setting when misconfigured. */
  invocation(ctx: AgentContext, settings: AgentSettings): AgentInvocation;
  /** Parse one line of the agent's stdout. Adapters whose output has no structure return []. */
  parseLine(line: string): AgentEvent[];
}
