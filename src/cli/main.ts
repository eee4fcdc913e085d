#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT } from '../errors.js';
import { exitFor } from './exit-codes.js';
import { commands } from './commands/index.js';

async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const parser = yargs(argv)
    .scriptName('parallel-loop')
    .usage('$0 <command> [options]\n\nRun coding agents in parallel on a queue of task files, each in its own git worktree.')
    .command(commands)
    .demandCommand(1, 'Name a command: see the list above.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .epilog('Exit codes: 0 ok, 1 a task or check failed, 2 usage, 3 invalid input, 4 environment refused, 5 not found, 130 interrupted.')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`parallel-loop: ${msg}\nRun with --help for usage.\n`);
      exitCode = EXIT.usage;
      throw new UsageExit();
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageExit) return exitCode;
    const { code, message, errorCode } = exitFor(err);
    const wantsJson = argv.includes('--json');
    if (wantsJson) process.stdout.write(JSON.stringify({ error: { code: errorCode, message } }, null, 2) + '\n');
    process.stderr.write(`parallel-loop: ${message}\n`);
    return code;
  }
  return exitCode;
}

class UsageExit extends Error {}

// Commands that finish with a non-zero status (a task failed) set process.exitCode themselves;
// errors land here. Nothing calls process.exit, so output is flushed before the process ends.
main(hideBin(process.argv)).then(
  (code) => {
    if (code !== EXIT.ok) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`parallel-loop: ${String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);
