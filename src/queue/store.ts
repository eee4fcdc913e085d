import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PlError, errnoCode } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { Claims, isOwnLink, type FsCalls } from './claims.js';
import { isTaskFileName } from '../task/id.js';
import { isSlotName } from './agent-id.js';
import { STATES, stateDir, type Layout, type TaskState } from './layout.js';

/** The suffixes of stage marks in running/ (see markStage). */
const STAGE_MARKS = new Set(['implement', 'review', 'test', 'land']);

/** Task file extensions, in the order a task id is looked up by. */
export const TASK_EXTENSIONS = ['.md', '.markdown', '.json'] as const;

/**
 * The one module that touches the queue's files. Workers, the supervisor and the monitor go through
 * it; nothing else calls fs on queue/ or .parallel-loop/claims. Moves are rename(2) within the queue
 * folder, so a task file is always in exactly one state folder.
 *
 * Naming: in the inbox and rejected/ a file keeps the name its writer gave it. From running/ on, a task
 * file is named `<id><ext>`; ids are unique, so those folders never hold two files of one name and the
 * file of a task is found without parsing anything.
 */
export class QueueStore {
  readonly claims: Claims;

  private readonly calls: FsCalls;

  /** `calls`: link(2) and rename(2) as the store makes them; fault injection gives ones that answer as NFS can. */
  constructor(readonly layout: Layout, options: { calls?: Partial<FsCalls> } = {}) {
    this.calls = { link: fs.linkSync, rename: fs.renameSync, ...options.calls };
    this.claims = new Claims(layout.claims, layout.agents, this.calls.link);
  }

  /** Create every folder the queue needs. Cheap and idempotent. */
  init(): void {
    for (const state of STATES) fs.mkdirSync(stateDir(this.layout, state), { recursive: true });
    for (const dir of [this.layout.claims, this.layout.agents, this.layout.tmp, this.layout.worktrees]) fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(path.join(this.layout.queue, '.tmp'), { recursive: true });
  }

  dir(state: TaskState): string {
    return stateDir(this.layout, state);
  }

  /** Names of the entries in a state folder (no filtering: see task/id.ts isTaskFileName). */
  list(state: TaskState): string[] {
    try {
      return fs.readdirSync(this.dir(state));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  /** Task files per state (records such as `<id>.error.json` and `.error.txt` are not counted). */
  countTasks(): Record<TaskState, number> {
    const counts = {} as Record<TaskState, number>;
    for (const state of STATES) counts[state] = this.taskFiles(state).length;
    return counts;
  }

  /** Names of the task files in a state folder, without records, temp files or folders. */
  taskFiles(state: TaskState): string[] {
    return this.list(state).filter((n) => isTaskFileName(n) && !n.endsWith('.error.json'));
  }

  /** lstat of a file in a state, or undefined when it is not there. */
  stat(state: TaskState, file: string): fs.Stats | undefined {
    try {
      return fs.lstatSync(path.join(this.dir(state), file));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  read(state: TaskState, file: string): Buffer {
    return fs.readFileSync(path.join(this.dir(state), file));
  }

  path(state: TaskState, file: string): string {
    return path.join(this.dir(state), file);
  }

  /** The file of task `id` in one of the id-named states (running, done, failed), if any. */
  findById(id: string, states: TaskState[] = ['running', 'done', 'failed']): { state: TaskState; file: string } | undefined {
    for (const state of states) {
      for (const ext of TASK_EXTENSIONS) {
        const file = id + ext;
        if (this.stat(state, file)) return { state, file };
      }
    }
    return undefined;
  }

  /**
   * Move a task file between states by rename. Never replaces a file: if the destination name is
   * taken, a suffix is added. Returns the new name. ENOENT → PlError TASK_GONE (someone else moved it).
   */
  move(file: string, from: TaskState, to: TaskState, newName = file): string {
    const target = this.freeName(to, newName);
    const source = path.join(this.dir(from), file);
    const destination = path.join(this.dir(to), target);
    try {
      this.calls.rename(source, destination);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      // Over NFS a RENAME retransmitted after a lost reply answers ENOENT although the first one moved the
      // file. The destination name was free just before, and only the holder of the task's claim moves it:
      // a file there and none at the source is this move's.
      if (!fs.existsSync(destination) || fs.existsSync(source)) throw new PlError('TASK_GONE', `task file ${from}/${file} is no longer there`);
    }
    // From running/ on a file is named by its id: its stage mark goes with it, whoever moved it.
    if (from === 'running' && to !== 'running') this.clearStage(path.basename(file, path.extname(file)));
    return target;
  }

  /**
   * Show a running task's pipeline stage to `ls queue/running`: an empty `<id>@<stage>` beside its file.
   * Not a task file (no task extension), so nothing reads it as one; it goes when the file leaves running/.
   */
  markStage(id: string, stage: string, file: string): void {
    this.clearStage(id);
    fs.writeFileSync(path.join(this.dir('running'), `${id}@${stage}`), '');
    // A holder that woke after its task was moved on must not leave a mark behind.
    if (!fs.existsSync(path.join(this.dir('running'), file))) this.clearStage(id);
  }

  clearStage(id: string): void {
    const prefix = `${id}@`;
    for (const name of this.list('running')) {
      if (name.startsWith(prefix) && STAGE_MARKS.has(name.slice(prefix.length))) fs.rmSync(path.join(this.dir('running'), name), { force: true });
    }
  }

  /**
   * Mark a task ready to land: an empty `<state>/landing/<id>`, written after its `ready` release. A hint for
   * the lander (the release decides), so it finds the landing queue without reading every inbox entry.
   */
  markReady(id: string): void {
    fs.mkdirSync(this.layout.landing, { recursive: true });
    fs.writeFileSync(path.join(this.layout.landing, encodeURIComponent(id)), '');
  }

  unmarkReady(id: string): void {
    fs.rmSync(path.join(this.layout.landing, encodeURIComponent(id)), { force: true });
  }

  /** Ids marked ready to land, in no order. */
  readyIds(): string[] {
    try {
      return fs.readdirSync(this.layout.landing).map((n) => decodeURIComponent(n));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  /** The inbox file of task `id` under its own name (`<id><ext>`, as a task is put back), if there is one. */
  inboxFileOf(id: string): string | undefined {
    for (const ext of TASK_EXTENSIONS) if (this.stat('inbox', id + ext)) return id + ext;
    return undefined;
  }

  /**
   * Move a file from the inbox (or another state) to rejected/ with `<name>.error.txt` beside it.
   * The file itself is never rewritten. Returns the name it got in rejected/.
   */
  reject(file: string, explanation: string | ((nameInRejected: string) => string), from: TaskState = 'inbox'): string | undefined {
    let target: string;
    try {
      target = this.move(file, from, 'rejected');
    } catch (err) {
      if (err instanceof PlError && err.code === 'TASK_GONE') return undefined;
      throw err;
    }
    const text = typeof explanation === 'string' ? explanation : explanation(target);
    writeFileAtomic(path.join(this.dir('rejected'), `${target}.error.txt`), text);
    return target;
  }

  /** Write a record next to a task file, e.g. failed/<id>.error.json. */
  writeRecord(state: TaskState, name: string, value: unknown): void {
    writeJsonAtomic(path.join(this.dir(state), name), value);
  }

  /**
   * Put a new task file into the inbox atomically: write it under queue/.tmp/ (ignored by readers),
   * fsync, then rename into queue/. Never replaces an existing file. Returns the final name.
   */
  enqueue(fileName: string, content: string | Buffer): string {
    if (fileName.includes('/') || fileName.startsWith('.')) {
      throw new PlError('BAD_FILE_NAME', `Expected a plain file name for the task, got \`${fileName}\``);
    }
    this.init();
    const tmp = path.join(this.layout.queue, '.tmp', `${randomBytes(6).toString('hex')}.part`);
    const fd = fs.openSync(tmp, 'wx', 0o644);
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // link + unlink instead of rename: link fails with EEXIST rather than replacing a user's file.
    for (let i = 1; ; i++) {
      const name = i === 1 ? fileName : withSuffix(fileName, i);
      const file = path.join(this.layout.queue, name);
      try {
        this.calls.link(tmp, file);
        fs.rmSync(tmp, { force: true });
        return name;
      } catch (err) {
        // An EEXIST of a link that was made (a LINK retransmitted over NFS): trying the next name would add the task twice.
        if (errnoCode(err) === 'EEXIST' && isOwnLink(tmp, file)) {
          fs.rmSync(tmp, { force: true });
          return name;
        }
        if (errnoCode(err) !== 'EEXIST' || i > 1000) {
          fs.rmSync(tmp, { force: true });
          throw err;
        }
      }
    }
  }

  private freeName(state: TaskState, name: string): string {
    if (!this.stat(state, name)) return name;
    for (let i = 2; ; i++) {
      const candidate = withSuffix(name, i);
      if (!this.stat(state, candidate)) return candidate;
    }
  }
}

/**
 * Ids of the agents with a folder under `agents/` (or `slots/`): `agent-N` and the ids of commands' own
 * claims at the top, and `<host>/agent-N` inside the folder of each host that names itself (hostId).
 * A folder that holds `agent-N` folders is a host's: an agent's own folder never does.
 */
export function listAgentIds(dir: string): string[] {
  const ids: string[] = [];
  for (const name of listNames(dir)) {
    if (name.startsWith('.')) continue;
    const inner = listNames(path.join(dir, name)).filter(isSlotName);
    if (inner.length > 0) ids.push(...inner.map((slot) => `${name}/${slot}`));
    else ids.push(name);
  }
  return ids;
}

function listNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** `fix.md` → `fix (2).md`. */
export function withSuffix(name: string, n: number): string {
  const ext = path.extname(name);
  return `${name.slice(0, name.length - ext.length)} (${n})${ext}`;
}
