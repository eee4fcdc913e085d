/**
 * Agent ids. One host alone numbers its agents `agent-1`, `agent-2`, …; a host that names itself
 * (`hostId`) numbers its own, `<hostId>/agent-1`, … Each id is also a path under the state folder
 * (`agents/<id>/`, `slots/<id>/`), so a host's agents sit together in one folder.
 */

const SLOT_RE = /^agent-(\d+)$/;
const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The agent id of slot `n` on a host named `hostId` (or on the only host). */
export function slotAgentId(n: number, hostId?: string): string {
  return hostId ? `${hostId}/agent-${n}` : `agent-${n}`;
}

/** The slot number and host of an agent id; undefined for ids that are not slots (a command's own claims). */
export function parseAgentId(id: string): { slot: number; hostId?: string } | undefined {
  const cut = id.lastIndexOf('/');
  const n = SLOT_RE.exec(cut < 0 ? id : id.slice(cut + 1))?.[1];
  if (n === undefined) return undefined;
  return cut < 0 ? { slot: Number(n) } : { slot: Number(n), hostId: id.slice(0, cut) };
}

/** Whether a folder name under `agents/` or `slots/` is a slot's (`agent-N`). */
export function isSlotName(name: string): boolean {
  return SLOT_RE.test(name);
}

/** What is wrong with a host id, for the option check; undefined when it is good. */
export function hostIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !HOST_RE.test(value)) return 'letters, digits, dots, dashes and underscores, starting with a letter or digit, at most 63';
  // A host folder named like a slot would be taken for one agent's folder, and one ending in .<n> for an
  // attempt's worktree (`<task>.<gen>`) beside the slots' worktrees.
  if (SLOT_RE.test(value)) return 'not of the form agent-<n>';
  if (/\.\d+$/.test(value)) return 'not ending in .<digits>';
  return undefined;
}
