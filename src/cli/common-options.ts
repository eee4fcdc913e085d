import type { Argv } from 'yargs';

/** Options every command that touches a queue accepts. */
export interface CommonArgs {
  repo: string;
  queue?: string;
  state?: string;
  worktrees?: string;
  json: boolean;
  allowSharedQueue: boolean;
}

export function withCommonOptions<T>(y: Argv<T>): Argv<T & CommonArgs> {
  return y
    .option('repo', { type: 'string', default: process.cwd(), describe: 'Repository the queue belongs to', defaultDescription: 'current directory' })
    .option('queue', { type: 'string', describe: 'Queue folder (inbox)', defaultDescription: '<repo>/queue' })
    .option('state', { type: 'string', describe: 'State folder (claims, agents, logs); several hosts may share it with the queue', defaultDescription: '<repo>/.parallel-loop' })
    .option('worktrees', {
      type: 'string',
      describe: 'Folder of the attempts\' worktrees, on this clone\'s disk',
      defaultDescription: '<state>/worktrees, or <repo>/.parallel-loop/worktrees when --state is outside the repository',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document for scripts' })
    .option('allow-shared-queue', {
      type: 'boolean',
      default: false,
      describe: 'Accept a group/world-writable queue or task files owned by another user (they could run commands as you)',
    }) as unknown as Argv<T & CommonArgs>;
}
