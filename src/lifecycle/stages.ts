/**
 * The stages of a task's pipeline. Agents run `implement`, `review` and `test`; `land` always comes
 * last and is ours, not an agent's. A task names its agent stages (`stages:` in its frontmatter, or
 * the run's `stages`); today's behaviour is `[implement]`.
 */
export const AGENT_STAGES = ['implement', 'review', 'test'] as const;

export type AgentStage = (typeof AGENT_STAGES)[number];
export type Stage = AgentStage | 'land';

/** What a review or test stage decided. */
export const VERDICTS = ['approve', 'changes', 'reject'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const DEFAULT_STAGES: readonly AgentStage[] = ['implement'];

/** Closer to landing ranks higher: a free agent takes the test of one task before the review of another. */
export function stageRank(stage: Stage): number {
  return stage === 'land' ? 3 : AGENT_STAGES.indexOf(stage);
}

/** The stage after `stage` in `stages`: the next agent stage, or `land` after the last. */
export function stageAfter(stages: readonly AgentStage[], stage: Stage): Stage {
  if (stage === 'land') return 'land';
  const i = stages.indexOf(stage);
  return i >= 0 && i + 1 < stages.length ? stages[i + 1]! : 'land';
}

/** True for a pipeline of more than today's one implement stage: its failures escalate. */
export function isPipeline(stages: readonly AgentStage[]): boolean {
  return stages.length > 1 || stages[0] !== 'implement';
}

export function isStage(value: unknown): value is Stage {
  return value === 'land' || (AGENT_STAGES as readonly unknown[]).includes(value);
}

/**
 * What is wrong with a list of stage names, or undefined: each of implement, review, test at most
 * once, in that order, beginning with implement (a review's `changes` sends the task back to it).
 */
export function stagesProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return 'a non-empty list of stage names (implement, review, test)';
  for (const name of value) {
    if (name === 'land') return 'a list without `land`: landing always comes last and is not an agent';
    if (!(AGENT_STAGES as readonly unknown[]).includes(name)) return `a list of implement, review, test (\`${String(name)}\` is not a stage)`;
  }
  const order = value.map((name) => AGENT_STAGES.indexOf(name as AgentStage));
  if (order[0] !== 0) return 'a list that begins with implement';
  if (order.some((n, i) => i > 0 && n <= order[i - 1]!)) return 'each stage at most once, in the order implement, review, test';
  return undefined;
}
