import type { CommandModule } from 'yargs';
import { addCommand } from './add.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { undoCommand } from './undo.js';

/** Every CLI command, in the order `--help` lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [addCommand, runCommand, statusCommand, undoCommand];
