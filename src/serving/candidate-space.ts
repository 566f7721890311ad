/**
 * Scratch space for scoring the candidates of one request. A request sums thousands of
 * co-visitation entries; doing that in a Map keyed by string ids cost more than the rest of the
 * request together. Ids are interned once into dense indices (shared, append-only), and each
 * request sums into typed arrays taken from a small pool, so concurrent requests (which interleave
 * at their awaits) never share one.
 */

/** Dense indices for item ids, shared by every request of one recommender. */
export class IdSpace {
  private readonly index = new Map<string, number>();
  readonly ids: string[] = [];

  /** Index of an id, assigned on first sight. */
  intern(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  get size(): number {
    return this.ids.length;
  }

  private powBase: Float64Array = new Float64Array(1024);
  private powValue: Float64Array = new Float64Array(1024);

  /**
   * `base ** exponent` for item `i`, remembered until the base changes: popularity normalisation
   * raises thousands of item counts to a fractional power per request, and counts rarely change
   * between two requests. One exponent per space (the recommender's candidate normalisation).
   */
  powerOf(i: number, base: number, exponent: number): number {
    if (i >= this.powBase.length) {
      let size = this.powBase.length;
      while (size <= i) size *= 2;
      const b = new Float64Array(size);
      b.set(this.powBase);
      const v = new Float64Array(size);
      v.set(this.powValue);
      this.powBase = b;
      this.powValue = v;
    }
    if (this.powBase[i] !== base) {
      this.powBase[i] = base;
      this.powValue[i] = Math.pow(base, exponent);
    }
    return this.powValue[i];
  }
}

/** Per-request sums by item index: co-visitation, affinity, popularity; `touched` lists the indices in use. */
export class Scratch {
  covis: Float64Array = new Float64Array(1024);
  affinity: Float64Array = new Float64Array(1024);
  popularity: Float64Array = new Float64Array(1024);
  /** The blended score (written by the recommender for the touched indices). */
  score: Float64Array = new Float64Array(1024);
  private mark: Uint8Array = new Uint8Array(1024);
  readonly touched: number[] = [];

  /** Makes room for `n` indices. */
  ensure(n: number): void {
    if (n <= this.mark.length) return;
    let size = this.mark.length;
    while (size < n) size *= 2;
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.covis = grow(this.covis);
    this.affinity = grow(this.affinity);
    this.popularity = grow(this.popularity);
    this.score = grow(this.score);
    const mark = new Uint8Array(size);
    mark.set(this.mark);
    this.mark = mark;
  }

  /** Records that index `i` is in use (once). */
  touch(i: number): void {
    if (this.mark[i] === 0) {
      this.mark[i] = 1;
      this.touched.push(i);
    }
  }

  /** Zeroes what the request used. */
  reset(): void {
    for (const i of this.touched) {
      this.covis[i] = 0;
      this.affinity[i] = 0;
      this.popularity[i] = 0;
      this.mark[i] = 0;
    }
    this.touched.length = 0;
  }
}

/** A pool of scratch spaces: one per request in flight. */
export class ScratchPool {
  private readonly free: Scratch[] = [];

  take(size: number): Scratch {
    const s = this.free.pop() ?? new Scratch();
    s.ensure(size);
    return s;
  }

  give(s: Scratch): void {
    s.reset();
    if (this.free.length < 8) this.free.push(s);
  }
}

/**
 * The `n` best of `touched` by `score[i]`, best first (ties by id), leaving out those `skip` names:
 * a bounded min-heap, so most candidates cost one comparison with the floor (and `skip` is asked
 * only of those that beat it).
 */
export function bestOf(touched: readonly number[], n: number, score: Float64Array, skip: (i: number) => boolean, ids: readonly string[]): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let t = 0; t < touched.length; t++) {
    const i = touched[t];
    const v = score[i];
    if (idx.length >= n && v <= val[0]) continue;
    if (skip(i)) continue;
    if (idx.length < n) {
      let p = idx.length;
      idx.push(i);
      val.push(v);
      while (p > 0) {
        const q = (p - 1) >> 1;
        if (val[q] <= v) break;
        idx[p] = idx[q];
        val[p] = val[q];
        p = q;
      }
      idx[p] = i;
      val[p] = v;
      continue;
    }
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= idx.length) break;
      const r = l + 1;
      const c = r < idx.length && val[r] < val[l] ? r : l;
      if (val[c] >= v) break;
      idx[p] = idx[c];
      val[p] = val[c];
      p = c;
    }
    idx[p] = i;
    val[p] = v;
  }
  const order = idx.map((_, j) => j).sort((a, b) => val[b] - val[a] || (ids[idx[a]] < ids[idx[b]] ? -1 : 1));
  return order.map((j) => idx[j]);
}
