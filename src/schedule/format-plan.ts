import type { Plan } from './plan.js';

/**
 * A plan as text for a person: the waves, the pairs kept apart and why, the
 * critical path, expected wall time against one agent, and anything that can
 * never run.
 */
export function formatPlan(plan: Plan): string {
  const taskCount = Object.keys(plan.estimates).length;
  const lines = [`Plan for ${count(taskCount, 'task')} with ${count(plan.agents, 'agent')}`, ''];

  lines.push('Waves (each task depends only on tasks in earlier waves):');
  if (plan.waves.length === 0) lines.push('  (none)');
  plan.waves.forEach((wave, k) => lines.push(`  ${k + 1}. ${wave.join(', ')}`));

  lines.push('', 'Never run together (their paths may overlap):');
  if (plan.conflicts.length === 0) lines.push('  (none)');
  for (const c of plan.conflicts) lines.push(`  ${c.a} <-> ${c.b}: ${c.globs[0]} overlaps ${c.globs[1]}`);

  const defaults = Object.values(plan.estimates).filter((e) => e.source === 'default').length;
  lines.push('', `Critical path: ${duration(plan.criticalPath.minutes)}`);
  if (plan.criticalPath.ids.length > 0) lines.push(`  ${plan.criticalPath.ids.map((id) => step(id, plan)).join(' -> ')}`);
  lines.push(`Expected wall time: ${duration(plan.expectedWallMinutes)} with ${count(plan.agents, 'agent')} (one agent: ${duration(plan.serialMinutes)})`);
  if (defaults > 0) lines.push(`  ${count(defaults, 'task')} without an estimate or history counted at the default`);

  if (plan.problems.length > 0 || plan.unschedulable.length > 0) {
    lines.push('', `Cannot run (${count(plan.unschedulable.length, 'task')}): ${plan.unschedulable.join(', ')}`);
    for (const p of plan.problems) lines.push(`  ${p.path}: ${p.message}`);
  }
  return lines.join('\n');
}

/** `fix-login (implement 4m, review 2m, test 3m)` for a pipeline task, its id otherwise. */
function step(id: string, plan: Plan): string {
  const stages = plan.estimates[id]?.stages;
  return stages ? `${id} (${stages.map((s) => `${s.stage} ${shortDuration(s.minutes)}`).join(', ')})` : id;
}

/** `4m`, or `1h05m` from an hour up. */
function shortDuration(minutes: number): string {
  const rounded = Math.round(minutes);
  return rounded < 60 ? `${rounded}m` : `${Math.floor(rounded / 60)}h${String(rounded % 60).padStart(2, '0')}m`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `45 min`, or `2h 05m` from an hour up. */
export function duration(minutes: number): string {
  const rounded = Math.round(minutes);
  if (rounded < 60) return `${rounded} min`;
  return `${Math.floor(rounded / 60)}h ${String(rounded % 60).padStart(2, '0')}m`;
}
