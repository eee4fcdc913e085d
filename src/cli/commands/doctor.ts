import type { CommandModule } from 'yargs';
import { EXIT } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { layoutOf } from '../queue-args.js';
import { loadConfigFile } from '../../config/load.js';
import { refuseConflicts, resolveOptions } from '../../config/validate.js';
import type { RunOptions } from '../../config/options.js';
import { adapterNames } from '../../agents/registry.js';
import type { Check } from '../../doctor/check.js';
import { formatChecks, verdict } from '../../doctor/check.js';
import { checkAgent, checkClaudeRoot } from '../../doctor/agent-bins.js';
import { checkDisk, checkGitVersion, checkLinks, checkQueue, checkRepo, checkStateIgnored, checkTarget } from '../../doctor/checks.js';
import { printJson, printLines } from '../output.js';

interface DoctorArgs extends CommonArgs {
  agent?: string[];
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .option('agent', { type: 'string', array: true, describe: 'Also check these agents (the configured default is always checked)' })
      .example([
        ['$0 doctor', 'every check, with a fix under each problem'],
        ['$0 doctor --agent codex --json', 'for scripts: { ok, checks: [{ name, status, message, fix }] }'],
      ])
      .epilog(
        'Checks: the config file, git version, a repository with a commit, the target branch and whether its checkout is clean, ' +
          'the state folder ignored by git, hard links, queue permissions, the agent programs, and free disk. ' +
          'Exit 1 when a check fails; warnings do not fail.',
      ),
  handler: async (argv) => {
    const layout = layoutOf(argv);
    const checks: Check[] = [];
    const { options, check } = config(layout.config);
    checks.push(check);
    checks.push(await checkGitVersion(options.land));
    const repo = await checkRepo(layout.repo);
    checks.push(repo);
    // Everything about branches and git's ignore rules needs a repository to ask.
    if (repo.status === 'ok') checks.push(...(await checkTarget(layout.repo, options)), await checkStateIgnored(layout));
    checks.push(checkLinks(layout), checkQueue(layout, argv.allowSharedQueue));
    for (const agent of agentsToCheck(options, argv.agent ?? [])) {
      checks.push(adapterNames.includes(agent) ? checkAgent(agent, options.agentSettings[agent], layout.repo) : unknownAgent(agent));
      if (agent === 'claude') checks.push(checkClaudeRoot(options.agentSettings.claude, process.env, process.getuid?.() ?? -1));
    }
    checks.push(checkDisk(layout));
    const result = verdict(checks);
    if (argv.json) printJson({ ...result, checks });
    else printLines(formatChecks(checks));
    if (!result.ok) process.exitCode = EXIT.failure;
  },
};

/** The settings as `run` would see them; a broken file is a failed check, and defaults stand in. */
function config(file: string): { options: RunOptions; check: Check } {
  try {
    const fromFile = loadConfigFile(file);
    refuseConflicts(resolveOptions(fromFile, {}), fromFile, {}, file);
    const count = Object.keys(fromFile).length;
    const message = count === 0 ? 'no settings file; defaults apply (parallel-loop config get)' : `${file}: ${count} setting${count === 1 ? '' : 's'}, all valid`;
    return { options: resolveOptions(fromFile, {}), check: { name: 'config', status: 'ok', message } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { options: resolveOptions({}, {}), check: { name: 'config', status: 'fail', message, fix: 'correct those settings (parallel-loop config set/unset), or edit the file' } };
  }
}

/** The default agent, those asked for, and every agent the settings give a program to. */
function agentsToCheck(options: RunOptions, asked: string[]): string[] {
  const configured = Object.entries(options.agentSettings).filter(([, s]) => s && (s.bin !== undefined || s.template !== undefined)).map(([name]) => name);
  return [...new Set([options.agent, ...asked, ...configured])];
}

function unknownAgent(agent: string): Check {
  return { name: `agent ${agent}`, status: 'fail', message: `there is no agent called \`${agent}\``, fix: `use one of ${adapterNames.join(', ')}` };
}
