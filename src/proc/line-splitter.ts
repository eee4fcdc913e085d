import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines for `onLine`, without the `\n` (or `\r\n`).
 * A line longer than `maxBytes` is cut there (at a character boundary) and the
 * rest of it dropped, so one huge line cannot fill memory. Default `maxBytes` 64 KiB.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private cut = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxBytes = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.size === 0 && !this.cut && piece.length <= this.maxBytes) this.emit(piece, false);
      else {
        this.append(piece);
        this.flush();
      }
      start = nl + 1;
    }
    this.append(chunk.subarray(start));
  }

  /** The stream ended: emit a last line that had no newline. Safe to call more than once. */
  end(): void {
    if (this.size > 0 || this.cut) this.flush();
  }

  private append(piece: Buffer): void {
    const room = this.maxBytes - this.size;
    if (piece.length > room) this.cut = true;
    const kept = piece.subarray(0, Math.max(0, room));
    if (kept.length === 0) return;
    // A copy, so that a slice does not keep the whole chunk it came from alive.
    this.parts.push(Buffer.from(kept));
    this.size += kept.length;
  }

  private flush(): void {
    const line = Buffer.concat(this.parts, this.size);
    const cut = this.cut;
    this.parts = [];
    this.size = 0;
    this.cut = false;
    this.emit(line, cut);
  }

  private emit(line: Buffer, cut: boolean): void {
    // A cut line may end inside a character: the decoder drops the incomplete bytes.
    let text = cut ? new StringDecoder('utf8').write(line) : line.toString('utf8');
    if (!cut && text.endsWith('\r')) text = text.slice(0, -1);
    this.onLine(text);
  }
}
