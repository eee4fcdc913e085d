import type { CommandModule } from 'yargs';
import { addCommand } from './add.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { undoCommand } from './undo.js';
import { logsCommand } from './logs.js';
import { killCommand } from './kill.js';
import { retryCommand } from './retry.js';
import { cancelCommand } from './cancel.js';
import { configCommand } from './config.js';
import { doctorCommand } from './doctor.js';
import { planCommand } from './plan.js';
import { cleanCommand } from './clean.js';
import { dashboardCommand } from './dashboard.js';

/** Every CLI command, in the order `--help` lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  addCommand,
  runCommand,
  planCommand,
  statusCommand,
  dashboardCommand,
  logsCommand,
  killCommand,
  cancelCommand,
  retryCommand,
  undoCommand,
  cleanCommand,
  configCommand,
  doctorCommand,
];
