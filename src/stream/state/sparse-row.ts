/**
 * A sparse weighted row (co-visitation: neighbour -> weight) as two parallel typed arrays, neighbour
 * ids interned in the partition's dictionary and weights in float32 (as the changelog keeps them, so
 * a restored row reads and grows exactly like the live one). A row may grow to twice its cap before
 * it is cut back to its `cap` strongest neighbours, so the sort is paid once per `cap` new
 * neighbours, not per insert. It reads like a Map of names (size, get, has, keys, forEach,
 * iteration) for the serving path.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import type { IdDictionary } from './id-dictionary.ts';

export class SparseRow implements Iterable<[string, number]> {
  private ids: Int32Array;
  private weights: Float32Array;
  private count = 0;
  /**
   * How often the row was cut back. Between two cuts neighbours keep their positions and new ones
   * are appended, so a reader may remember per-position work while this number stays the same.
   */
  epoch = 0;

  constructor(
    readonly dictionary: IdDictionary,
    readonly cap: number,
    initialCapacity = 4,
  ) {
    if (!Number.isSafeInteger(cap) || cap <= 0) throw new RangeError(`sparse row cap must be a positive integer (got ${cap})`);
    const n = Math.max(1, Math.min(initialCapacity, 2 * cap + 1));
    this.ids = new Int32Array(n);
    this.weights = new Float32Array(n);
  }

  get size(): number {
    return this.count;
  }

  /** Position of interned id `id`, or -1. */
  indexOfId(id: number): number {
    const { ids, count } = this;
    for (let i = 0; i < count; i++) if (ids[i] === id) return i;
    return -1;
  }

  idAt(i: number): number {
    return this.ids[i];
  }

  weightAt(i: number): number {
    return this.weights[i];
  }

  /** Adds `weight` to neighbour `name` (interned), then cuts the row back when it passed twice its cap. */
  add(name: string, weight: number): void {
    this.addId(this.dictionary.intern(name), weight);
  }

  addId(id: number, weight: number): void {
    const i = this.indexOfId(id);
    if (i >= 0) {
      this.weights[i] += weight;
      return;
    }
    this.append(id, weight);
    if (this.count > 2 * this.cap) this.prune();
  }

  private append(id: number, weight: number): void {
    if (this.count === this.ids.length) {
      const n = Math.min(2 * this.cap + 1, this.ids.length * 2);
      const ids = new Int32Array(n);
      ids.set(this.ids);
      const weights = new Float32Array(n);
      weights.set(this.weights);
      this.ids = ids;
      this.weights = weights;
    }
    this.ids[this.count] = id;
    this.weights[this.count] = weight;
    this.count++;
  }

  /** Keeps the `cap` strongest neighbours, strongest first (ties: the earlier one). */
  private prune(): void {
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) => this.weights[b] - this.weights[a] || a - b);
    const ids = new Int32Array(this.ids.length);
    const weights = new Float32Array(this.weights.length);
    for (let k = 0; k < this.cap; k++) {
      ids[k] = this.ids[order[k]];
      weights[k] = this.weights[order[k]];
    }
    this.ids = ids;
    this.weights = weights;
    this.count = this.cap;
    this.epoch++;
  }

  /** Multiplies every weight by `factor` (float32, as stored). */
  scale(factor: number): void {
    for (let i = 0; i < this.count; i++) this.weights[i] *= factor;
  }

  get(name: string): number | undefined {
    const id = this.dictionary.lookup(name);
    const i = id < 0 ? -1 : this.indexOfId(id);
    return i < 0 ? undefined : this.weights[i];
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  // Reads skip an id the dictionary does not hold (a reader whose copy of it lags the row's).
  /** Neighbour names in position order. */
  *keys(): IterableIterator<string> {
    for (let i = 0; i < this.count; i++) {
      const name = this.dictionary.name(this.ids[i]);
      if (name !== undefined) yield name;
    }
  }

  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let i = 0; i < this.count; i++) {
      const name = this.dictionary.name(this.ids[i]);
      if (name !== undefined) yield [name, this.weights[i]];
    }
  }

  entries(): IterableIterator<[string, number]> {
    return this[Symbol.iterator]();
  }

  /** Map-style: `callback(weight, name)` in position order. */
  forEach(callback: (weight: number, name: string) => void): void {
    for (let i = 0; i < this.count; i++) {
      const name = this.dictionary.name(this.ids[i]);
      if (name !== undefined) callback(this.weights[i], name);
    }
  }

  maxId(): number {
    let max = -1;
    for (let i = 0; i < this.count; i++) if (this.ids[i] > max) max = this.ids[i];
    return max;
  }

  /** Bytes held in memory (both arrays and the object). */
  sizeBytes(): number {
    return this.ids.byteLength + this.weights.byteLength + 64;
  }

  /** Binary form: cap, count, ids (varints), weights (float32). */
  encode(w: ByteWriter): void {
    w.uint(this.cap).uint(this.count);
    for (let i = 0; i < this.count; i++) w.uint(this.ids[i]);
    for (let i = 0; i < this.count; i++) w.f32(this.weights[i]);
  }

  static decode(r: ByteReader, dictionary: IdDictionary): SparseRow {
    const cap = r.uint();
    const n = r.uint();
    if (n > 2 * cap) throw new RangeError(`sparse row: ${n} neighbours over twice its cap ${cap}`);
    const row = new SparseRow(dictionary, cap, n);
    for (let i = 0; i < n; i++) row.ids[i] = r.uint();
    for (let i = 0; i < n; i++) row.weights[i] = r.f32();
    row.count = n;
    return row;
  }

  /** name -> weight, for JSON views and tests. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this);
  }
}
