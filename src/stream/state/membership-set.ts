/**
 * A bounded set of interned ids in insertion order (a user's consumed items): a ring of 4-byte
 * integers that drops its oldest member past the cap. Membership is a scan of at most `cap`
 * integers, which for the sizes used (a thousand) beats hashing a string, and a commit writes a
 * few bytes per member instead of the ids' text.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import { IdDictionary } from './id-dictionary.ts';

export class MembershipSet implements Iterable<string> {
  private ring: Int32Array;
  /** Index of the oldest member in `ring`. */
  private head = 0;
  private count = 0;

  constructor(
    readonly dictionary: IdDictionary,
    readonly cap: number,
  ) {
    if (!Number.isSafeInteger(cap) || cap <= 0) throw new RangeError(`membership set cap must be a positive integer (got ${cap})`);
    // Grown on demand: most users consume a handful of items, not a thousand.
    this.ring = new Int32Array(Math.min(cap, 4));
  }

  get size(): number {
    return this.count;
  }

  /** Whether the set holds interned id `id`. */
  hasId(id: number): boolean {
    const { ring, head, count } = this;
    const n = ring.length;
    for (let k = 0; k < count; k++) if (ring[(head + k) % n] === id) return true;
    return false;
  }

  /** Whether the set holds `name`. */
  has(name: string): boolean {
    const id = this.dictionary.lookup(name);
    return id >= 0 && this.hasId(id);
  }

  /** Adds `name` (interning it) unless present; past the cap the oldest member leaves. Returns true when added. */
  add(name: string): boolean {
    const id = this.dictionary.intern(name);
    if (this.hasId(id)) return false;
    this.addId(id);
    return true;
  }

  /** Adds an interned id without the membership check (decode, or a caller that checked). */
  addId(id: number): void {
    if (this.count === this.ring.length && this.count < this.cap) this.grow();
    const n = this.ring.length;
    if (this.count === this.cap) {
      this.ring[this.head] = id;
      this.head = (this.head + 1) % n;
      return;
    }
    this.ring[(this.head + this.count) % n] = id;
    this.count++;
  }

  private grow(): void {
    const next = new Int32Array(Math.min(this.cap, this.ring.length * 2));
    for (let k = 0; k < this.count; k++) next[k] = this.ring[(this.head + k) % this.ring.length];
    this.ring = next;
    this.head = 0;
  }

  /** Interned ids, oldest first. */
  *ids(): IterableIterator<number> {
    for (let k = 0; k < this.count; k++) yield this.ring[(this.head + k) % this.ring.length];
  }

  /** Member names, oldest first (an id the dictionary does not hold yet is skipped). */
  *[Symbol.iterator](): IterableIterator<string> {
    for (const id of this.ids()) {
      const name = this.dictionary.name(id);
      if (name !== undefined) yield name;
    }
  }

  /** The highest interned id held (-1 when empty): a reader must know the dictionary up to it. */
  maxId(): number {
    let max = -1;
    for (const id of this.ids()) if (id > max) max = id;
    return max;
  }

  /** Bytes held in memory (the ring and the object). */
  sizeBytes(): number {
    return this.ring.byteLength + 48;
  }

  /** Binary form: cap, count, ids oldest first (the dictionary is committed on its own). */
  encode(w: ByteWriter): void {
    w.uint(this.cap).uint(this.count);
    for (const id of this.ids()) w.uint(id);
  }

  static decode(r: ByteReader, dictionary: IdDictionary): MembershipSet {
    const set = new MembershipSet(dictionary, r.uint());
    const n = r.uint();
    if (n > set.cap) throw new RangeError(`membership set: ${n} members over its cap ${set.cap}`);
    for (let i = 0; i < n; i++) set.addId(r.uint());
    return set;
  }

  /** Member names, for JSON views and tests. */
  toJSON(): string[] {
    return [...this];
  }
}

export { IdDictionary };
