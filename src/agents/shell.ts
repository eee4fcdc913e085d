import { PlError } from '../errors.js';
import type { AgentAdapter, AgentContext, AgentInvocation } from './types.js';

/**
 * Runs the task's own `run` command with `/bin/sh -c`. A shell is intended here: the task
 * author wrote `run` as a shell command line (pipes, `&&`, globs), and it runs in the
 * attempt's worktree like any agent. Nothing from outside the task file is spliced into it.
 */
export const shellAdapter: AgentAdapter = {
  name: 'shell',
  invocation(ctx: AgentContext): AgentInvocation {
    const run = ctx.task.run;
    if (run === undefined || run.trim() === '') {
      throw new PlError(
        'SHELL_TASK_WITHOUT_RUN',
        `Task "${ctx.task.id}" uses the \`shell\` agent but has no \`run\` command: add \`run: <command>\` to the task, or choose another agent.`,
      );
    }
    return { file: '/bin/sh', args: ['-c', run] };
  },
  parseLine: () => [],
};
