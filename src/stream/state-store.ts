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

/** Options of a {@link KeyValueStore}. */
export interface KeyValueStoreOptions {
  /**
   * At most this many values are held decoded (the most recently written or read); the others are
   * held as their encoded bytes and decoded when read (RocksDB's block cache, in one map). A value
   * changed since the last commit is never evicted. Unbounded when not set.
   */
  readonly maxDecoded?: number;
}

export class KeyValueStore<V> {
  /** Decoded values; with `maxDecoded`, in order of last write or decode (the oldest go first). */
  private readonly data = new Map<string, V>();
  /** Values held encoded: restored or evicted and not read since (and a replica's, until read). */
  private readonly encoded = new Map<string, Buffer>();
  /** key -> partition of the keys changed since the last drain. */
  private readonly dirty = new Map<string, number>();
  private readonly partitionOfKey = new Map<string, number>();
  private readonly maxDecoded: number;
  private changes = 0;

  constructor(
    readonly name: string,
    private readonly codec: Codec<V> = jsonCodec<V>(),
    options: KeyValueStoreOptions = {},
  ) {
    const max = options.maxDecoded;
    if (max !== undefined && !(Number.isSafeInteger(max) && max > 0)) throw new RangeError(`store ${name}: maxDecoded must be a positive integer (got ${max})`);
    this.maxDecoded = max ?? Number.POSITIVE_INFINITY;
  }

  /** Whether only some values are held decoded (see KeyValueStoreOptions.maxDecoded). */
  private get bounded(): boolean {
    return this.maxDecoded !== Number.POSITIVE_INFINITY;
  }

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
    if (this.data.size > this.maxDecoded) this.evict();
    return value;
  }

  private decodeAllLoaded(): void {
    for (const key of [...this.encoded.keys()]) this.decodeLoaded(key);
  }

  /**
   * Encodes the oldest clean decoded values until a tenth of the bound is free (in one go, so
   * that the scan past dirty keys is paid once per many decodes, not once per decode).
   */
  private evict(encodedNow?: ReadonlyMap<string, Buffer | null>): void {
    const target = Math.floor(this.maxDecoded * 0.9);
    for (const [key, value] of this.data) {
      if (this.data.size <= target) break;
      if (this.dirty.has(key)) continue;
      // A copy into Node's shared pool: small encodings then cost their bytes, not a buffer each.
      this.encoded.set(key, Buffer.from(encodedNow?.get(key) ?? this.codec.encode(value)));
      this.data.delete(key);
    }
  }

  /** Stores a value (mutating a value in place also needs a `put`, to mark it changed). */
  put(key: string, partition: number, value: V): void {
    this.changes++;
    // Re-inserted when bounded: the order of `data` is then the order of last writes.
    if (this.bounded) this.data.delete(key);
    this.data.set(key, value);
    if (this.encoded.size > 0) this.encoded.delete(key);
    this.dirty.set(key, partition);
    this.partitionOfKey.set(key, partition);
    if (this.data.size > this.maxDecoded) this.evict();
  }

  delete(key: string, partition: number): void {
    this.changes++;
    const had = this.encoded.delete(key);
    if (!this.data.delete(key) && !had) return;
    this.dirty.set(key, partition);
    this.partitionOfKey.delete(key);
  }

  get size(): number {
    return this.data.size + this.encoded.size;
  }

  /**
   * Changes whenever a value is written, deleted, restored or dropped: a reader may keep what it
   * derived from the values (a per-item number) for as long as it stays the same.
   */
  get version(): number {
    return this.changes;
  }

  /**
   * Every entry. A bounded store decodes the values it holds encoded for the iteration only, so a
   * scan does not push the hot values out; others decode them for good.
   */
  entries(): IterableIterator<[string, V]> {
    if (this.bounded) return this.scan();
    this.decodeAllLoaded();
    return this.data.entries();
  }

  private *scan(): Generator<[string, V]> {
    yield* this.data.entries();
    for (const [key, bytes] of this.encoded) yield [key, this.codec.decode(bytes)];
  }

  /** Changes since the last call, encoded for the commit; clears the change set. */
  drainWrites(): { writes: StateWrite[]; changed: Map<string, V | undefined> } {
    const writes: StateWrite[] = [];
    const changed = new Map<string, V | undefined>();
    for (const [key, partition] of this.dirty) {
      const value = this.get(key);
      changed.set(key, value);
      writes.push({ store: this.name, partition, key, value: value === undefined ? null : this.codec.encode(value) });
    }
    this.dirty.clear();
    // What was changed is clean now: back within the bound, reusing the bytes just encoded.
    if (this.data.size > this.maxDecoded) this.evict(new Map(writes.map((w) => [w.key, w.value])));
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
    for (const value of this.encoded.values()) {
      if (n >= sample) break;
      bytes += value.length;
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
    this.changes++;
    // A bounded store decodes a restored value when it is first read: restore then costs a copy.
    if (this.bounded) return this.loadEncoded(key, partition, bytes);
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
    this.changes++;
    this.data.delete(key);
    this.encoded.set(key, Buffer.from(bytes));
    this.partitionOfKey.set(key, partition);
  }

  /** Forgets one key without recording a change (a replica applying a committed delete). */
  forget(key: string): void {
    this.changes++;
    this.data.delete(key);
    this.encoded.delete(key);
    this.partitionOfKey.delete(key);
  }

  /** Forgets every key of the given partitions (they were revoked: another member owns them now). */
  dropPartitions(partitions: ReadonlySet<number>): void {
    this.changes++;
    for (const [key, p] of this.partitionOfKey) {
      if (!partitions.has(p)) continue;
      this.data.delete(key);
      this.encoded.delete(key);
      this.partitionOfKey.delete(key);
      this.dirty.delete(key);
    }
  }
}
