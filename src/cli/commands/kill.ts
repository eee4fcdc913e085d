import type { CommandModule } from 'yargs';
import { EXIT, PlError } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { waitMsOption, storeFor } from '../queue-args.js';
import { agentIds, readAgent, type AgentView } from '../../supervisor/agents.js';
import { killAgent, refusal, type KillResult } from '../../supervisor/kill-agent.js';
import type { QueueStore } from '../../queue/store.js';
import { checkTaskId } from '../../task/id.js';
import { printJson, printLines } from '../output.js';

interface KillArgs extends CommonArgs {
  target: string;
  waitMs?: number;
}

export const killCommand: CommandModule<object, KillArgs> = {
  builder: (y) =>
    withCommonOptions(y)
      .positional('target', { type: 'string', demandOption: true, describe: 'An agent id (agent-2), a running task id, or `all`' })
      .option('wait-ms', { type: 'number', defaultDescription: '30000', describe: 'How long to wait for the worker to exit; 0 returns at once' })
      .example([
        ['$0 kill agent-2', 'stop agent-2: its agent is killed, the partial work committed (WIP) and the task requeued'],
        ['$0 kill fix-login', 'stop whichever agent is working on task fix-login'],
        ['$0 kill all --wait-ms 0', 'stop every agent of the run on this host and return at once'],
      ])
      .epilog(
        'The worker gets SIGTERM: it stops its agent\'s process tree, commits what the agent left as a WIP commit on the ' +
          'attempt branch, returns the task to the queue (not counted as an attempt) and exits; the supervisor starts a ' +
          'fresh worker in that slot, which may pick the task up again and resume from that branch. ' +
          'To stop a task for good, use `parallel-loop cancel <task>`.',
      ),
  handler: async (argv) => {
    const waitMs = waitMsOption(argv.waitMs);
    const store = storeFor(argv);
    const agents = targets(store, argv.target);
    const results: KillResult[] = [];
    for (const agent of agents) results.push(await killAgent(agent, waitMs));
    const late = results.filter((r) => !r.exited);
    if (argv.json) printJson({ killed: results, waited: waitMs > 0 });
    else printLines(results.map((r) => describe(store, r, waitMs > 0)));
    if (waitMs > 0 && late.length > 0) process.exitCode = EXIT.failure;
  },
};

/** The agents a target names. Throws naming the known agents when it names none that can be stopped. */
function targets(store: QueueStore, target: string): AgentView[] {
  const ids = agentIds(store.layout);
  if (target === 'all') {
    const live = ids.map((id) => readAgent(store.layout, id)).filter((a): a is AgentView => a !== undefined && refusal(a) === undefined);
    if (live.length === 0) throw new PlError('NO_AGENTS', `No agent is running on this host for ${store.layout.state}.`);
    return live;
  }
  if (ids.includes(target)) return [readAgent(store.layout, target) ?? notFound(store, target, ids)];
  if (checkTaskId(target)) return notFound(store, target, ids);
  // A task id: the agent that holds its live claim.
  const holder = store.claims.liveLease(target)?.agentId;
  const agent = holder ? readAgent(store.layout, holder) : undefined;
  if (agent && agent.heartbeat.task === target) return [agent];
  return notFound(store, target, ids);
}

function notFound(store: QueueStore, target: string, ids: string[]): never {
  const known = ids.length > 0 ? `Agents: ${ids.join(', ')}.` : 'No agent has run here yet.';
  throw new PlError('AGENT_NOT_FOUND', `No agent \`${target}\` and no running task of that id in ${store.layout.state}. ${known}`);
}

function describe(store: QueueStore, r: KillResult, waited: boolean): string {
  const during = r.task ? ` during ${r.task}` : ' while idle';
  if (!r.exited) return `${r.agentId}: sent SIGTERM to worker ${r.pid}${during}; ${waited ? 'it has not exited yet' : 'not waiting for it'}`;
  let after = '';
  if (r.task && r.gen !== undefined) {
    const release = store.claims.readRelease(r.task, r.gen);
    const where = store.findById(r.task, ['running', 'done', 'failed']);
    after = release ? `; ${r.task} ${release.outcome === 'requeued' ? 'went back to the queue' : `ended ${release.outcome}`}` : where ? `; ${r.task} is in ${where.state}/` : '';
  }
  return `${r.agentId}: stopped worker ${r.pid}${during}${after}; its supervisor starts a fresh worker`;
}
