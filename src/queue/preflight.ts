import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PlError, errnoCode } from '../errors.js';
import type { Layout } from './layout.js';

/**
 * Refuse to start on a filesystem without hard links: claims are decided by link(2), and no copy
 * can stand in for it. Probes with a real link from `dir` into `linkDir`, the way a lease in an
 * agent's folder is linked into `claims/` (two folders on different filesystems fail with EXDEV).
 */
export function checkHardLinks(dir: string, linkDir: string = dir): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(linkDir, { recursive: true });
  // Unique beyond the pid: hosts sharing the folder (or PID namespaces of one machine) reuse pids, and two
  // probes of one name would remove each other's file.
  const name = `.link-probe.${process.pid}.${randomBytes(4).toString('hex')}`;
  const probe = path.join(dir, name);
  const linked = path.join(linkDir, `${name}.link`);
  try {
    fs.writeFileSync(probe, 'probe');
    fs.linkSync(probe, linked);
    const nlink = fs.statSync(probe).nlink;
    if (nlink !== 2) throw Object.assign(new Error(`link count ${nlink} after link(2), expected 2`), { code: 'EIO' });
  } catch (err) {
    const code = errnoCode(err) ?? 'error';
    const where = linkDir === dir ? `The filesystem of ${dir}` : `Linking from ${dir} into ${linkDir}`;
    throw new PlError(
      'NO_HARD_LINKS',
      `${where} does not support hard links (${code}: ${(err as Error).message}). ` +
        'parallel-loop decides every claim with link(2) and will not fall back to copies. ' +
        'Put the state folder on a local filesystem such as ext4, xfs or apfs with --state <dir>.',
      { cause: err },
    );
  } finally {
    fs.rmSync(linked, { force: true });
    fs.rmSync(probe, { force: true });
  }
}

/** Why a folder is unsafe to take task files from, or undefined when it is fine. */
export function unsafeFolderReason(stat: fs.Stats, uid: number): string | undefined {
  if (stat.mode & 0o002) return 'it is world-writable';
  if (stat.mode & 0o020) return 'it is group-writable';
  if (uid !== 0 && stat.uid !== uid) return `it is owned by uid ${stat.uid}, not by you (uid ${uid})`;
  return undefined;
}

/** Why a task file is unsafe to run, or undefined when it is fine. */
export function unsafeFileReason(stat: fs.Stats, uid: number): string | undefined {
  if (stat.uid !== uid) return `it is owned by uid ${stat.uid}, not by you (uid ${uid}); anyone who can write the queue could run commands as you`;
  return undefined;
}

/**
 * A queue folder others can write to lets them run commands as you (a task names its own commands).
 * Refuse it unless the user opted in with --allow-shared-queue.
 */
export function checkQueuePermissions(layout: Layout, allowShared: boolean): void {
  if (allowShared) return;
  const stat = fs.statSync(layout.queue);
  const uid = process.getuid?.() ?? 0;
  const reason = unsafeFolderReason(stat, uid);
  if (reason) {
    throw new PlError(
      'UNSAFE_QUEUE',
      `Refusing the queue folder ${layout.queue}: ${reason} (mode ${(stat.mode & 0o777).toString(8)}). ` +
        'Anyone who can write task files there can run commands as you. ' +
        `Fix it with \`chmod go-w ${layout.queue}\`, or pass --allow-shared-queue if that is what you want.`,
    );
  }
}
