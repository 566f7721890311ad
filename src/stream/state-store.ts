/**
 * A keyed state store held in memory, with its changes tracked per commit. The task that owns it
 * hands the changes to `Consumer.commit` together with the consumed offsets, which makes them part
 * of the same transaction (embedded) or changelog (Kafka): the Kafka Streams "logged store" idea.
 */
import type { StateWrite } from '../log/types.ts';

/** Encodes state values for changelogs and snapshots. */
export interface Codec<V> {
  encode(value: V): Buffer;
  decode(bytes: Buffer): V;
}

/** JSON codec; values with typed arrays or classes provide their own `toJSON`/reviver in the feature. */
export function jsonCodec<V>(): Codec<V> {
  return {
    encode: (value) => Buffer.from(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(bytes.toString('utf8')) as V,
  };
}

/** Called after each commit with the keys that changed, so a feature store can publish them. */
export type ChangeListener<V> = (changes: ReadonlyMap<string, V | undefined>) => void;

export class KeyValueStore<V> {
  private readonly data = new Map<string, V>();
  /** Entries loaded encoded and not yet read (a replica decodes a key when it is first read). */
  private readonly encoded = new Map<string, Buffer>();
  /** key -> partition of the keys changed since the last drain. */
  private readonly dirty = new Map<string, number>();
  private readonly partitionOfKey = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly codec: Codec<V> = jsonCodec<V>(),
  ) {}

  get(key: string): V | undefined {
    const value = this.data.get(key);
    if (value !== undefined || this.encoded.size === 0) return value;
    return this.decodeLoaded(key);
  }

  has(key: string): boolean {
    return this.data.has(key) || this.encoded.has(key);
  }

  private decodeLoaded(key: string): V | undefined {
    const bytes = this.encoded.get(key);
    if (bytes === undefined) return undefined;
    const value = this.codec.decode(bytes);
    this.encoded.delete(key);
    this.data.set(key, value);
    return value;
  }

  private decodeAllLoaded(): void {
    for (const key of [...this.encoded.keys()]) this.decodeLoaded(key);
  }

  /** Stores a value (mutating a value in place also needs a `put`, to mark it changed). */
  put(key: string, partition: number, value: V): void {
    this.data.set(key, value);
    if (this.encoded.size > 0) this.encoded.delete(key);
    this.dirty.set(key, partition);
    this.partitionOfKey.set(key, partition);
  }

  delete(key: string, partition: number): void {
    const had = this.encoded.delete(key);
    if (!this.data.delete(key) && !had) return;
    this.dirty.set(key, partition);
    this.partitionOfKey.delete(key);
  }

  get size(): number {
    return this.data.size + this.encoded.size;
  }

  entries(): IterableIterator<[string, V]> {
    this.decodeAllLoaded();
    return this.data.entries();
  }

  /** Changes since the last call, encoded for the commit; clears the change set. */
  drainWrites(): { writes: StateWrite[]; changed: Map<string, V | undefined> } {
    const writes: StateWrite[] = [];
    const changed = new Map<string, V | undefined>();
    for (const [key, partition] of this.dirty) {
      const value = this.data.get(key);
      changed.set(key, value);
      writes.push({ store: this.name, partition, key, value: value === undefined ? null : this.codec.encode(value) });
    }
    this.dirty.clear();
    return { writes, changed };
  }

  /** Mean encoded bytes of up to `sample` entries (the first ones held), 0 for an empty store. */
  meanEncodedBytes(sample = 1000): number {
    let n = 0;
    let bytes = 0;
    for (const value of this.data.values()) {
      if (n >= sample) break;
      bytes += this.codec.encode(value).length;
      n++;
    }
    return n === 0 ? 0 : bytes / n;
  }

  /** Every entry, encoded as in the changelog (to republish a whole store, e.g. to a Redis that lost it). */
  snapshot(): StateWrite[] {
    const writes: StateWrite[] = [];
    for (const [key, value] of this.data) writes.push({ store: this.name, partition: this.partitionOfKey.get(key) ?? 0, key, value: this.codec.encode(value) });
    for (const [key, value] of this.encoded) writes.push({ store: this.name, partition: this.partitionOfKey.get(key) ?? 0, key, value });
    return writes;
  }

  /** Drops uncommitted changes' bookkeeping (after a failed commit the task restores from the log). */
  clearDirty(): void {
    this.dirty.clear();
  }

  /** Loads one persisted entry (restore). */
  restoreEntry(key: string, partition: number, bytes: Buffer): void {
    this.data.set(key, this.codec.decode(bytes));
    this.encoded.delete(key);
    this.partitionOfKey.set(key, partition);
  }

  /**
   * Loads one committed entry to be decoded when first read (a replica following another thread's
   * commits: most keys a commit changes are not read before they change again). The bytes are
   * copied, so the message they came in can be freed.
   */
  loadEncoded(key: string, partition: number, bytes: Buffer): void {
    this.data.delete(key);
    this.encoded.set(key, Buffer.from(bytes));
    this.partitionOfKey.set(key, partition);
  }

  /** Forgets one key without recording a change (a replica applying a committed delete). */
  forget(key: string): void {
    this.data.delete(key);
    this.encoded.delete(key);
    this.partitionOfKey.delete(key);
  }

  /** Forgets every key of the given partitions (they were revoked: another member owns them now). */
  dropPartitions(partitions: ReadonlySet<number>): void {
    for (const [key, p] of this.partitionOfKey) {
      if (!partitions.has(p)) continue;
      this.data.delete(key);
      this.encoded.delete(key);
      this.partitionOfKey.delete(key);
      this.dirty.delete(key);
    }
  }
}
