import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { layoutOf } from '../queue-args.js';
import { saveConfigFile } from '../../config/load.js';
import { validateConfig } from '../../config/validate.js';
import { effectiveSettings, otherProblems, parseValue, splitKey, withSetting, withoutSetting, type Effective } from '../../config/edit.js';
import { readRawConfig } from '../../config/load.js';
import { printJson, printLines, warn } from '../output.js';

interface ConfigArgs extends CommonArgs {
  key?: string;
  value?: string;
}

const configFile = (argv: CommonArgs) => layoutOf(argv).config;

const getCommand: CommandModule<object, ConfigArgs> = {
  command: 'get [key]',
  describe: 'Print every setting (or one) with its effective value and where it comes from',
  builder: (y) => withCommonOptions(y).positional('key', { type: 'string', describe: 'A setting, e.g. maxAttempts or agentSettings.claude.bin' }),
  handler: (argv) => {
    const file = configFile(argv);
    const raw = readRawConfig(file);
    for (const problem of otherProblems(raw, path.basename(file))) warn(`${path.basename(file)}: ${problem} (\`run\` refuses the file until this is fixed)`);
    const settings = effective(file, argv.key, raw);
    if (argv.json) return printJson(argv.key ? settings[0] : { file, settings: Object.fromEntries(settings.map((s) => [s.key, { value: s.value, source: s.source }])) });
    const width = Math.max(...settings.map((s) => s.key.length));
    const valueWidth = Math.min(40, Math.max(...settings.map((s) => show(s.value).length)));
    printLines(settings.map((s) => `${s.key.padEnd(width)}  ${show(s.value).padEnd(valueWidth)}  ${sourceText(s, file)}`));
  },
};

const setCommand: CommandModule<object, ConfigArgs> = {
  command: 'set <key> <value>',
  describe: 'Set one setting in .parallel-loop.json, checked first; other settings are kept',
  builder: (y) =>
    withCommonOptions(y)
      .positional('key', { type: 'string', demandOption: true, describe: 'A setting, e.g. maxAttempts or agentSettings.claude.bin' })
      .positional('value', { type: 'string', demandOption: true, describe: 'Read as JSON when it looks like JSON (5, true, ["a"]), else as text' }),
  handler: (argv) => {
    const file = configFile(argv);
    const next = withSetting(readRawConfig(file), argv.key!, parseValue(argv.value!));
    saveConfigFile(file, next);
    for (const problem of otherProblems(next, path.basename(file))) warn(`${path.basename(file)} still has a problem: ${problem}`);
    const [now] = effective(file, argv.key);
    if (argv.json) printJson(now);
    else printLines([`${argv.key} = ${show(now!.value)} (in ${path.relative(process.cwd(), file) || file})`]);
  },
};

const unsetCommand: CommandModule<object, ConfigArgs> = {
  command: 'unset <key>',
  describe: 'Remove one setting from .parallel-loop.json, so its default applies again',
  builder: (y) => withCommonOptions(y).positional('key', { type: 'string', demandOption: true, describe: 'A setting, e.g. maxAttempts' }),
  handler: (argv) => {
    const file = configFile(argv);
    splitKey(argv.key!);
    const { next, had } = withoutSetting(readRawConfig(file), argv.key!);
    if (had) saveConfigFile(file, next);
    const [now] = effective(file, argv.key);
    if (argv.json) printJson({ ...now, removed: had });
    else printLines([had ? `${argv.key} removed; now ${show(now!.value)} (${sourceText(now!, file)})` : `${argv.key} was not set in ${path.basename(file)}; nothing changed`]);
  },
};

export const configCommand: CommandModule<object, object> = {
  builder: (y: Argv) =>
    y
      .command([getCommand, setCommand, unsetCommand])
      .demandCommand(1, 'Name a config command: get, set or unset.')
      .example([
        ['$0 config get', 'every setting, its value, and whether it is the default or from the file'],
        ['$0 config set maxAttempts 5', 'five attempts per task before it goes to failed/'],
        ['$0 config set copy \'[".env", ".env.local"]\'', 'lists and objects are written as JSON'],
        ['$0 config set agentSettings.claude.bin /opt/claude/bin/claude', 'where to find an agent'],
        ['$0 config unset maxAttempts', 'back to the default'],
      ])
      .epilog('Command-line options of `run` override these settings for one run.'),
  handler: () => undefined,
};

/** Effective settings from the file as it is now; settings with problems count as unset (and are warned about). */
function effective(file: string, key: string | undefined, raw = readRawConfig(file)): Effective[] {
  const { options } = validateConfig(raw);
  if (key === undefined) return effectiveSettings(options);
  const [top, agent, setting] = splitKey(key);
  if (agent === undefined) return effectiveSettings(options).filter((s) => s.key === top);
  const value = (options.agentSettings?.[agent] as Record<string, unknown> | undefined)?.[setting!];
  return [{ key, value, source: value === undefined ? 'default' : 'file' }];
}

function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function sourceText(s: Effective, file: string): string {
  if (s.source === 'file') return `from ${path.basename(file)}`;
  if (s.source === 'derived') return s.key === 'heartbeatMs' ? 'default: staleAfterMs / 6' : 'default: timeoutSec';
  if (s.key === 'target' && s.value === undefined) return 'default: the branch checked out';
  return 'default';
}
