// A capped byte collector for stdout and logs: keeps at most `limit` bytes and remembers that more
// arrived, so a function writing gigabytes cannot balloon the gateway's memory.
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private seen = 0;

  constructor(readonly limit: number) {}

  /** Returns false once the limit has been passed (the caller may stop reading). */
  push(chunk: Buffer): boolean {
    this.seen += chunk.length;
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    return this.seen <= this.limit;
  }

  /** true once more than `limit` bytes arrived */
  get overflowed(): boolean {
    return this.seen > this.limit;
  }

  /** total bytes offered, kept or not */
  get totalBytes(): number {
    return this.seen;
  }

  get length(): number {
    return this.kept;
  }

  toBuffer(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
  }
}
