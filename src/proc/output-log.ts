import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { PlError } from '../errors.js';

/**
 * A file that receives a process's output streams as they come. When the disk is
 * slower than the process, its streams are paused (and so the process blocks on
 * a full pipe) rather than buffered here.
 */
export class OutputLog {
  private readonly paused = new Set<Readable>();
  private error: Error | undefined;

  private constructor(private readonly file: WriteStream) {
    file.on('drain', () => this.resumeAll());
    file.on('error', (err) => {
      this.error ??= err;
      this.resumeAll();
    });
  }

  /** Open (append, parent folders created) before the process starts, so a log that cannot be written stops a run early. Throws PlError `AGENT_LOG_FAILED`. */
  static async open(path: string): Promise<OutputLog> {
    try {
      await mkdir(dirname(path), { recursive: true });
      const file = createWriteStream(path, { flags: 'a' });
      await once(file, 'open');
      return new OutputLog(file);
    } catch (err) {
      throw new PlError('AGENT_LOG_FAILED', `Cannot write the agent log ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  write(chunk: Buffer, from: Readable): void {
    if (this.error) return;
    if (!this.file.write(chunk)) {
      from.pause();
      this.paused.add(from);
    }
  }

  /** Flush and close; returns the message of a write error, if there was one. */
  async close(): Promise<string | undefined> {
    if (!this.error) {
      this.file.end();
      await finished(this.file).catch((err: Error) => (this.error ??= err));
    }
    return this.error?.message;
  }

  private resumeAll(): void {
    for (const stream of this.paused) stream.resume();
    this.paused.clear();
  }
}
