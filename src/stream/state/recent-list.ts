/**
 * A bounded list of recent entries, oldest first: past its cap the oldest entries leave. Entries
 * are small tuples the owning feature defines, with an entry codec for the changelog form.
 */
import { ByteReader, ByteWriter } from './bytes.ts';

/** How one entry is written and read. */
export interface EntryCodec<T> {
  encode(entry: T, w: ByteWriter): void;
  decode(r: ByteReader): T;
  /** Approximate bytes one entry holds in memory. */
  sizeBytes(entry: T): number;
}

export class RecentList<T> {
  /** Oldest first; read directly by the serving path, written only through `push`. */
  readonly entries: T[] = [];

  constructor(
    readonly cap: number,
    private readonly codec: EntryCodec<T>,
  ) {
    if (!Number.isSafeInteger(cap) || cap <= 0) throw new RangeError(`recent list cap must be a positive integer (got ${cap})`);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Appends an entry; drops the oldest past the cap. */
  push(entry: T): void {
    this.entries.push(entry);
    if (this.entries.length > this.cap) this.entries.splice(0, this.entries.length - this.cap);
  }

  sizeBytes(): number {
    let bytes = 32 + 8 * this.entries.length;
    for (const e of this.entries) bytes += this.codec.sizeBytes(e);
    return bytes;
  }

  /** cap, count, entries oldest first. */
  encode(w: ByteWriter): void {
    w.uint(this.cap).uint(this.entries.length);
    for (const e of this.entries) this.codec.encode(e, w);
  }

  static decode<T>(r: ByteReader, codec: EntryCodec<T>): RecentList<T> {
    const list = new RecentList<T>(r.uint(), codec);
    const n = r.uint();
    if (n > list.cap) throw new RangeError(`recent list: ${n} entries over its cap ${list.cap}`);
    for (let i = 0; i < n; i++) list.entries.push(codec.decode(r));
    return list;
  }

  toJSON(): T[] {
    return this.entries;
  }
}
