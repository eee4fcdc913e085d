import type { AgentStage } from '../lifecycle/stages.js';

/** A validated task, as every other part of the tool sees it. */
export interface Task {
  /** Unique id; defaults to the file name without its extension. */
  id: string;
  title: string;
  /** The prompt: the Markdown body, or `prompt` in JSON. */
  prompt: string;
  /** Higher runs first. Default 0. */
  priority: number;
  /** Agent adapter name (claude, codex, aider, command, shell, demo); undefined = the run's default. */
  agent?: string;
  /** Seconds an attempt may run before its process tree is killed; undefined = the run's default. */
  timeout?: number;
  /** Attempts before the task goes to failed/; undefined = the run's default. */
  maxAttempts?: number;
  /** Globs of repository paths this task will change. */
  touches: string[];
  /** True when `touches` was inferred from paths named in the prompt. */
  touchesInferred?: boolean;
  /** Ids of tasks that must be done first. */
  dependsOn: string[];
  /** Command run in the worktree on the merged result before landing. */
  verify?: string;
  /** The agent stages this task goes through before it lands; undefined = the run's `stages`. */
  stages?: AgentStage[];
  /** The test stage's command; `{changed}` expands to the files the branch changes (shell-quoted). */
  test?: string;
  /** The line the lander adds to the changelog for this task; default its title. */
  changelog?: string;
  /** Extra environment for the agent. */
  env: Record<string, string>;
  /** Command run by the `shell` agent. */
  run?: string;
  /** Expected minutes of work, used by `plan`. */
  estimate?: number;
  /** Per-task spending limit in US dollars. */
  budgetUsd?: number;
}

/** Where a task file came from, kept next to the parsed task. */
export interface TaskSource {
  /** File name inside its state folder, e.g. `fix-login.md`. */
  file: string;
  format: 'markdown' | 'json';
}

/** A problem found in a task file: `path` is a field name (or `file`), `message` says what and how to fix. */
export interface Problem {
  path: string;
  message: string;
}

export type ParseResult =
  | { ok: true; task: Task; warnings: Problem[] }
  | { ok: false; problems: Problem[]; warnings: Problem[] };
