// The built-in demo agent, run as its own process: `node demo-agent.js <prompt-file> <task-id>`.
// It stands in for a coding agent so `parallel-loop` can be tried without one: it reads the
// prompt, prints a few progress lines over PL_DEMO_DELAY_MS (default 800 ms), writes one file
// in its working directory (the worktree) and commits it. Same prompt, same file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { planDemoEdit } from './demo-plan.js';

const GIT_IDENTITY = ['-c', 'user.name=parallel-loop demo', '-c', 'user.email=demo@parallel-loop.invalid'];

function say(line: string): void {
  process.stdout.write(`[demo] ${line}\n`);
}

function git(args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// Use the repository's identity when it has one; a fresh clone or CI box may not.
function identityArgs(): string[] {
  try {
    return git(['config', 'user.email']) === '' ? GIT_IDENTITY : [];
  } catch {
    return GIT_IDENTITY;
  }
}

async function main(): Promise<number> {
  const [promptFile, taskId = 'task'] = process.argv.slice(2);
  if (promptFile === undefined) {
    process.stderr.write('usage: demo-agent <prompt-file> [task-id]\n');
    return 2;
  }
  const prompt = fs.readFileSync(promptFile, 'utf8');
  const delay = Number(process.env.PL_DEMO_DELAY_MS ?? 800);
  const step = Number.isFinite(delay) && delay > 0 ? delay / 3 : 0;
  const plan = planDemoEdit(prompt, taskId);

  say(`reading the task (${prompt.length} characters)`);
  await sleep(step);
  if (plan.fail) {
    say('the task asks me to fail');
    process.stderr.write('demo agent: failing on purpose (the prompt says demo:fail)\n');
    return 1;
  }
  say(`planning: ${plan.append ? 'append to' : 'write'} ${plan.file}`);
  await sleep(step);
  const target = path.resolve(plan.file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (plan.append) fs.appendFileSync(target, plan.content);
  else fs.writeFileSync(target, plan.content);
  say(`wrote ${plan.file}`);
  await sleep(step);
  // A retry may start from a branch that already holds this exact file: nothing to commit then.
  if (git(['status', '--porcelain', '--', plan.file]) === '') {
    say(`done: ${plan.file} already had this content`);
    return 0;
  }
  git(['add', '--', plan.file]);
  git([...identityArgs(), 'commit', '-q', '-m', `demo: ${plan.append ? 'update' : 'write'} ${plan.file} for task ${taskId}`, '--', plan.file]);
  say(`done: committed ${plan.file} as ${git(['rev-parse', '--short', 'HEAD'])}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
