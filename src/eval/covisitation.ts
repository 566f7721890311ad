// Item-to-item co-visitation counts over users' recent sequences, stored as compact typed-array
// rows so a recommendation can sum several rows of thousands of entries in a few microseconds.
// Map<string, Map<string, number>> was the first version; iterating it dominated replay time.

/** A dense integer id space for string ids, shared by the reference recommender's parts. */
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

  /** Index of a known id, or -1. */
  get(id: string): number {
    return this.index.get(id) ?? -1;
  }

  get size(): number {
    return this.ids.length;
  }
}

interface Row {
  cols: Int32Array;
  vals: Float32Array;
  n: number;
  /** column -> slot; only consulted on update, scans use the arrays */
  slots: Map<number, number>;
}

/** Sparse, growable, non-negative item x item weights. */
export class CovisMatrix {
  private rows: (Row | undefined)[] = [];

  private row(i: number): Row {
    let r = this.rows[i];
    if (r === undefined) {
      r = { cols: new Int32Array(8), vals: new Float32Array(8), n: 0, slots: new Map() };
      this.rows[i] = r;
    }
    return r;
  }

  /** Adds `w` to cell (i, j). */
  add(i: number, j: number, w: number): void {
    const r = this.row(i);
    const s = r.slots.get(j);
    if (s !== undefined) {
      r.vals[s] += w;
      return;
    }
    if (r.n === r.cols.length) {
      const cols = new Int32Array(r.n * 2);
      cols.set(r.cols);
      const vals = new Float32Array(r.n * 2);
      vals.set(r.vals);
      r.cols = cols;
      r.vals = vals;
    }
    r.cols[r.n] = j;
    r.vals[r.n] = w;
    r.slots.set(j, r.n);
    r.n++;
  }

  /** Weight of cell (i, j). */
  get(i: number, j: number): number {
    const r = this.rows[i];
    if (r === undefined) return 0;
    const s = r.slots.get(j);
    return s === undefined ? 0 : r.vals[s];
  }

  /** Number of non-zero cells in row i. */
  rowSize(i: number): number {
    return this.rows[i]?.n ?? 0;
  }

  /** Calls `fn(col, value)` for every cell of row i; the fast path of scoring. */
  forEach(i: number, fn: (col: number, value: number) => void): void {
    const r = this.rows[i];
    if (r === undefined) return;
    for (let s = 0; s < r.n; s++) fn(r.cols[s], r.vals[s]);
  }

  /** Multiplies every cell by `f`; used to rescale growing weights before Float32 overflows. */
  scale(f: number): void {
    for (const r of this.rows) if (r !== undefined) for (let s = 0; s < r.n; s++) r.vals[s] *= f;
  }

  /** Raw row arrays (valid until the next `add`), for loops that must avoid a callback. */
  rowView(i: number): { cols: Int32Array; vals: Float32Array; n: number } | null {
    const r = this.rows[i];
    return r === undefined ? null : { cols: r.cols, vals: r.vals, n: r.n };
  }
}
