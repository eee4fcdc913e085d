/** Exit codes, in one place. Documented in README "Exit codes". */
export const EXIT = {
  ok: 0,
  /** Work ran but some task failed, or a check found problems. */
  failure: 1,
  /** The command line was wrong (unknown option, bad value). */
  usage: 2,
  /** Input files were invalid (a task file, a config file). */
  invalidInput: 3,
  /** The environment refuses: no hard links, unsafe permissions, not a git repo, git too old. */
  environment: 4,
  /** Something was not found: a task, an agent, a file. */
  notFound: 5,
  /** Stopped by a signal before finishing. */
  interrupted: 130,
} as const;

interface CodeInfo {
  exit: number;
  meaning: string;
}

/**
 * Every error code the tool reports, with the exit status it maps to and what it means. A code is
 * permanent (scripts match on it) and means one thing; README "Exit codes" lists them all.
 */
export const ERROR_CODES = {
  BAD_OPTION: { exit: EXIT.usage, meaning: 'An option or argument has a value that is not allowed (command line, `config set`, or an API option).' },
  UNKNOWN_SETTING: { exit: EXIT.usage, meaning: '`config set`/`unset` names a setting that does not exist.' },
  BAD_TASK_ID: { exit: EXIT.usage, meaning: 'A task id on the command line breaks the id rules.' },
  NO_TARGET: { exit: EXIT.usage, meaning: 'HEAD is detached, so there is no branch to land on; pass --target.' },

  BAD_CONFIG: { exit: EXIT.invalidInput, meaning: 'The config file is not JSON, not an object, or has bad settings.' },
  BAD_AGENT_SETTING: { exit: EXIT.invalidInput, meaning: 'A value under `agentSettings` in the config file has the wrong type.' },
  AGENT_TEMPLATE_MISSING: { exit: EXIT.invalidInput, meaning: 'The `command` agent has no `agentSettings.command.template`.' },
  INVALID_TASK: { exit: EXIT.invalidInput, meaning: 'A task fails its checks (fields, id, dependencies, duplicate id).' },
  BAD_FILE_NAME: { exit: EXIT.invalidInput, meaning: 'A task file name is not a plain file name.' },
  SHELL_TASK_WITHOUT_RUN: { exit: EXIT.invalidInput, meaning: 'A task for the `shell` agent has no `run` command.' },
  TASK_REJECTED: { exit: EXIT.invalidInput, meaning: 'A task turned out invalid or a duplicate when claimed; it is in queue/rejected/.' },

  NOT_A_REPO: { exit: EXIT.environment, meaning: 'The folder is not a git repository with a commit.' },
  GIT_TOO_OLD: { exit: EXIT.environment, meaning: 'git is missing or older than needed.' },
  NO_HARD_LINKS: { exit: EXIT.environment, meaning: 'The state folder’s filesystem cannot make hard links, which claims need.' },
  UNSAFE_QUEUE: { exit: EXIT.environment, meaning: 'The queue folder or a task file can be written by others.' },
  LOCK_TIMEOUT: { exit: EXIT.environment, meaning: 'A lock stayed taken by another process.' },
  WORKTREE_CONFLICT: { exit: EXIT.environment, meaning: 'An attempt’s worktree folder holds something else.' },
  AGENT_SPAWN_FAILED: { exit: EXIT.environment, meaning: 'The agent program could not be started.' },
  AGENT_LOG_FAILED: { exit: EXIT.environment, meaning: 'An agent log cannot be written.' },
  CLAUDE_AS_ROOT: { exit: EXIT.environment, meaning: 'Claude Code refuses its permission mode as root without IS_SANDBOX=1; every claude attempt would fail.' },
  AGENT_REMOTE: { exit: EXIT.environment, meaning: 'The agent runs on another host; `kill` it there.' },
  KILL_FAILED: { exit: EXIT.environment, meaning: 'An agent’s worker could not be signalled.' },
  REMOTE_AUTH_FAILED: { exit: EXIT.environment, meaning: 'The remote refused the credentials or the permission to fetch or push; landing stopped, branches kept, tasks waiting to land.' },
  PR_COMMAND_MISSING: { exit: EXIT.environment, meaning: '`land: pr` needs `gh` on PATH or a `prCommand`.' },

  TASK_NOT_FOUND: { exit: EXIT.notFound, meaning: 'No task of that id in the queue.' },
  TASK_GONE: { exit: EXIT.notFound, meaning: 'A task file was moved away (by another worker) meanwhile.' },
  FILE_NOT_FOUND: { exit: EXIT.notFound, meaning: 'No such task file.' },
  AGENT_NOT_FOUND: { exit: EXIT.notFound, meaning: 'No agent and no running task of that name.' },
  AGENT_NOT_RUNNING: { exit: EXIT.notFound, meaning: 'The agent has no worker of its own running that could be signalled.' },
  NO_AGENTS: { exit: EXIT.notFound, meaning: 'No agent is running on this host.' },
  UNKNOWN_AGENT: { exit: EXIT.notFound, meaning: 'No agent adapter of that name.' },
  NO_LOG: { exit: EXIT.notFound, meaning: 'The log asked for has not been written.' },
  TARGET_NOT_FOUND: { exit: EXIT.notFound, meaning: 'The target branch does not exist.' },
  REMOTE_NOT_FOUND: { exit: EXIT.notFound, meaning: 'The remote named by `remote` (or needed by `land: pr`) is not configured.' },
  BRANCH_NOT_FOUND: { exit: EXIT.notFound, meaning: 'An attempt branch does not exist.' },
  BAD_BASE: { exit: EXIT.notFound, meaning: 'The base an attempt starts from does not name a commit.' },
  NOT_LANDED: { exit: EXIT.notFound, meaning: 'The task has no landing to undo.' },

  NOT_FAILED: { exit: EXIT.failure, meaning: 'Only a failed task can be retried.' },
  TASK_BUSY: { exit: EXIT.failure, meaning: 'The task has a live claim; try again in a moment.' },
  GIT_FAILED: { exit: EXIT.failure, meaning: 'A git command failed.' },
  SETUP_FAILED: { exit: EXIT.failure, meaning: 'The setup command failed or timed out in a new worktree.' },
  LAND_CONTENDED: { exit: EXIT.failure, meaning: 'The target branch moved under every try to land or undo.' },
  PUSH_REJECTED: { exit: EXIT.failure, meaning: 'The remote’s server refused every try to push a landing (a hook, branch protection); the task waits to land.' },
  PR_FAILED: { exit: EXIT.failure, meaning: 'The `prCommand` failed or printed no pull request URL; the branch is pushed and the task waits.' },
  WORKTREE_DIRTY: { exit: EXIT.failure, meaning: 'A worktree to remove has uncommitted changes to tracked files.' },
  SUPERSEDED: { exit: EXIT.failure, meaning: 'The task was claimed again before its agent started.' },
  CANCELLED: { exit: EXIT.failure, meaning: 'The attempt was stopped by `parallel-loop cancel`.' },
  INTERNAL: { exit: EXIT.failure, meaning: 'An unexpected error (a bug); the message has the stack.' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
