const groups = new Set<number>();
let installed = false;

function killGroups(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * SIGKILL the process group `pgid` if this process exits while it may still run.
 * Children started in their own group (detached) are not killed with their parent
 * otherwise. Covers `process.exit()` and a normal end, not a death by signal.
 * Returns the function that cancels this once the group has been dealt with.
 */
export function killGroupOnExit(pgid: number): () => void {
  if (!installed) {
    // One listener for all groups, so many concurrent agents add no listener each.
    process.on('exit', killGroups);
    installed = true;
  }
  groups.add(pgid);
  return () => {
    groups.delete(pgid);
  };
}
