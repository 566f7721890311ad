// Online item embeddings trained per interaction by SGD with negative sampling (word2vec's SGNS
// applied to interaction streams, as in item2vec / Prod2Vec). Two ways to represent the user:
// - 'context' (default): the user is a recency-decayed sum of the input vectors of their recent
//   items. No per-user parameters, so a user is useful from their first event and a new session
//   needs no training; this is what streaming serving wants.
// - 'mf': a learned vector per user (matrix factorisation trained by the same SGNS loss).
// Items live in one growable Float32Array so scoring and nearest-neighbour search are tight loops.

import { mulberry32, type SeededRng } from './exploration.ts';

/** Options of {@link EmbeddingModel}. */
export interface EmbeddingOptions {
  /** vector size. */
  dim?: number;
  /** 'context' (user = decayed sum of recent items) or 'mf' (learned user vectors). */
  mode?: 'context' | 'mf';
  /** SGD step. */
  learningRate?: number;
  /** negatives drawn per positive. */
  negatives?: number;
  /** L2 penalty per step. */
  l2?: number;
  /** how many recent items make the context, and are remembered per user. */
  window?: number;
  /** weight of the j-th most recent item in the context is decay^j. */
  decay?: number;
  /** share of negatives drawn by popularity (from recent events); the rest uniformly over items. */
  popularNegatives?: number;
  /** PRNG seed: same seed and events, same model. */
  seed?: number;
}

/** JSON shape of an {@link EmbeddingModel} snapshot; matrices are base64 little-endian Float32. */
export interface EmbeddingSnapshot {
  kind: 'embeddings';
  options: Required<EmbeddingOptions>;
  ids: string[];
  input: string;
  output: string;
  users: [string, string[], string | null][];
  version: number;
}

const DEFAULTS: Required<EmbeddingOptions> = {
  dim: 32,
  mode: 'context',
  learningRate: 0.05,
  negatives: 5,
  l2: 1e-4,
  window: 10,
  decay: 0.85,
  popularNegatives: 0.5,
  seed: 1,
};

/** Size of the ring of recent item occurrences that popularity negatives are drawn from. */
const RECENT_RING = 1 << 16;
/** The ring is committed in chunks of this many entries: a batch rewrites only the chunks it touched. */
export const RING_CHUNK = 1 << 12;

/** Where the negatives ring stands: the next slot written and how many slots are filled. */
export interface RingCursor {
  pos: number;
  len: number;
}

function sigmoid(x: number): number {
  return x > 30 ? 1 : x < -30 ? 0 : 1 / (1 + Math.exp(-x));
}

function f32ToBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function base64ToF32(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

interface UserState {
  recent: number[];
  vec: Float32Array | null;
}

/** Online embedding recommender; see the file header. */
export class EmbeddingModel {
  readonly opts: Required<EmbeddingOptions>;
  /** Updates applied so far. */
  version = 0;
  private readonly rng: SeededRng;
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];
  /** input (context) vectors: what a user's history is made of. */
  private input: Float32Array;
  /** output (target) vectors: what is scored against the user. */
  private output: Float32Array;
  private readonly users = new Map<string, UserState>();
  private readonly ring = new Int32Array(RECENT_RING);
  private ringLen = 0;
  private ringPos = 0;
  // scratch buffers reused by every update: the hot path allocates nothing
  private readonly u: Float32Array;
  private readonly gradU: Float32Array;
  /** indices of items whose vectors changed since takeChanged(), when tracking */
  private dirty: Set<number> | null = null;
  /** ring chunks written since takeRingChanges(), when tracking */
  private dirtyRing: Set<number> | null = null;

  constructor(options: EmbeddingOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.rng = mulberry32(this.opts.seed);
    this.input = new Float32Array(1024 * this.opts.dim);
    this.output = new Float32Array(1024 * this.opts.dim);
    this.u = new Float32Array(this.opts.dim);
    this.gradU = new Float32Array(this.opts.dim);
  }

  /** Position of the random stream (new vectors, negative samples): committed with the model, so a restart draws on as before. */
  get rngState(): number {
    return this.rng.state;
  }

  set rngState(state: number) {
    this.rng.state = state;
  }

  /** Number of items with a vector. */
  get size(): number {
    return this.ids.length;
  }

  private randomVector(target: Float32Array, offset: number): void {
    // small random init so vectors differ from the start; scale ~ 1/dim as in word2vec
    const s = 0.5 / this.opts.dim;
    for (let d = 0; d < this.opts.dim; d++) target[offset + d] = (this.rng() * 2 - 1) * s;
  }

  /** Index of an item, creating its vectors on first sight. */
  private itemIndex(id: string): number {
    let i = this.index.get(id);
    if (i !== undefined) return i;
    i = this.ids.length;
    const dim = this.opts.dim;
    if ((i + 1) * dim > this.input.length) {
      const grow = (a: Float32Array): Float32Array => {
        const b = new Float32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.input = grow(this.input);
      this.output = grow(this.output);
    }
    this.randomVector(this.input, i * dim);
    // output vectors start at zero, as in word2vec, so untrained items score neutral
    this.index.set(id, i);
    this.ids.push(id);
    return i;
  }

  private user(userId: string): UserState {
    let s = this.users.get(userId);
    if (s === undefined) {
      s = { recent: [], vec: null };
      if (this.opts.mode === 'mf') {
        s.vec = new Float32Array(this.opts.dim);
        this.randomVector(s.vec, 0);
      }
      this.users.set(userId, s);
    }
    return s;
  }

  /** Writes the context vector of a recent-item list (most recent last) into `out`. */
  private contextOf(recent: readonly number[], out: Float32Array): number {
    out.fill(0);
    const dim = this.opts.dim;
    let w = 1;
    let total = 0;
    for (let j = recent.length - 1, n = 0; j >= 0 && n < this.opts.window; j--, n++) {
      const off = recent[j] * dim;
      for (let d = 0; d < dim; d++) out[d] += w * this.input[off + d];
      total += w;
      w *= this.opts.decay;
    }
    if (total > 0) for (let d = 0; d < dim; d++) out[d] /= total;
    return total;
  }

  private sampleNegative(positive: number): number {
    const n = this.ids.length;
    for (let tries = 0; tries < 4; tries++) {
      const c = this.ringLen > 0 && this.rng() < this.opts.popularNegatives
        ? this.ring[Math.floor(this.rng() * this.ringLen)]
        : Math.floor(this.rng() * n);
      if (c !== positive) return c;
    }
    return -1;
  }

  /** One SGNS step for target item t against user vector u; accumulates dL/du into gradU. */
  private step(t: number, label: number, lr: number): void {
    const dim = this.opts.dim;
    const off = t * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) s += this.u[d] * this.output[off + d];
    const g = (sigmoid(s) - label) * lr;
    if (this.dirty !== null) this.dirty.add(t);
    const l2 = this.opts.l2 * lr;
    for (let d = 0; d < dim; d++) {
      const o = this.output[off + d];
      this.gradU[d] += g * o;
      this.output[off + d] = o - g * this.u[d] - l2 * o;
    }
  }

  /**
   * Learns from one interaction. `recentItems` (oldest first) overrides the remembered history,
   * for callers that keep sessions elsewhere (the stream processor's user state); in context mode
   * the model then keeps nothing per user.
   */
  observe(userId: string, itemId: string, _ts?: number, recentItems?: readonly string[]): void {
    const external = recentItems !== undefined && this.opts.mode === 'context';
    const st = external ? null : this.user(userId);
    const t = this.itemIndex(itemId);
    const recent = recentItems ? recentItems.map((id) => this.itemIndex(id)) : st!.recent;
    const dim = this.opts.dim;
    const lr = this.opts.learningRate;
    let ok = true;
    if (this.opts.mode === 'mf' && st?.vec) this.u.set(st.vec);
    else ok = this.contextOf(recent, this.u) > 0;
    if (ok) {
      this.gradU.fill(0);
      this.step(t, 1, lr);
      for (let k = 0; k < this.opts.negatives; k++) {
        const c = this.sampleNegative(t);
        if (c >= 0) this.step(c, 0, lr);
      }
      if (this.opts.mode === 'mf' && st?.vec) {
        for (let d = 0; d < dim; d++) st.vec[d] -= this.gradU[d] + this.opts.l2 * lr * st.vec[d];
      } else {
        // spread dL/du back over the context items, in proportion to their weight in u
        let w = 1;
        let total = 0;
        for (let j = recent.length - 1, n = 0; j >= 0 && n < this.opts.window; j--, n++, w *= this.opts.decay) total += w;
        w = 1;
        for (let j = recent.length - 1, n = 0; j >= 0 && n < this.opts.window; j--, n++, w *= this.opts.decay) {
          const off = recent[j] * dim;
          const share = w / total;
          if (this.dirty !== null) this.dirty.add(recent[j]);
          for (let d = 0; d < dim; d++) this.input[off + d] -= share * this.gradU[d];
        }
      }
    }
    if (this.dirty !== null) this.dirty.add(t);
    if (st !== null) {
      st.recent.push(t);
      if (st.recent.length > this.opts.window * 2) st.recent.splice(0, st.recent.length - this.opts.window);
    }
    this.ring[this.ringPos] = t;
    this.dirtyRing?.add(Math.floor(this.ringPos / RING_CHUNK));
    this.ringPos = (this.ringPos + 1) % RECENT_RING;
    if (this.ringLen < RECENT_RING) this.ringLen++;
    this.version++;
  }

  /**
   * Starts (or stops) remembering which items' vectors change, for incremental snapshots: a
   * stream processor commits only the vectors a batch touched.
   */
  trackChanges(on: boolean): void {
    this.dirty = on ? new Set() : null;
    this.dirtyRing = on ? new Set() : null;
  }

  /** Ring chunks written since the last call (needs {@link trackChanges}): chunk number and a copy of its entries. */
  takeRingChanges(): { chunk: number; entries: Int32Array }[] {
    if (this.dirtyRing === null) return [];
    const out = [...this.dirtyRing].map((chunk) => ({ chunk, entries: this.ring.slice(chunk * RING_CHUNK, (chunk + 1) * RING_CHUNK) }));
    this.dirtyRing.clear();
    return out;
  }

  /** Where the negatives ring stands (committed with the ring's chunks). */
  get ringCursor(): RingCursor {
    return { pos: this.ringPos, len: this.ringLen };
  }

  /** Restores the negatives ring: its cursor and the chunks {@link takeRingChanges} gave. */
  restoreRing(cursor: RingCursor, chunks: Iterable<{ chunk: number; entries: Int32Array }>): void {
    for (const { chunk, entries } of chunks) {
      if (chunk < 0 || (chunk + 1) * RING_CHUNK > RECENT_RING || entries.length !== RING_CHUNK) throw new RangeError(`bad ring chunk ${chunk}`);
      this.ring.set(entries, chunk * RING_CHUNK);
    }
    this.ringPos = Math.min(Math.max(0, cursor.pos | 0), RECENT_RING - 1);
    this.ringLen = Math.min(Math.max(0, cursor.len | 0), RECENT_RING);
  }

  /** The position of an item in the model's item order (negatives are drawn by it), or -1 when unknown. */
  positionOf(id: string): number {
    return this.index.get(id) ?? -1;
  }

  /** Ids of the items whose vectors changed since the last call (needs {@link trackChanges}). */
  takeChanged(): string[] {
    if (this.dirty === null) return [];
    const out = [...this.dirty].map((i) => this.ids[i]);
    this.dirty.clear();
    return out;
  }

  /** An item's input and output vectors (2 * dim floats), or null when unknown. */
  vectorsOf(id: string): Float32Array | null {
    const i = this.index.get(id);
    if (i === undefined) return null;
    const dim = this.opts.dim;
    const out = new Float32Array(2 * dim);
    out.set(this.input.subarray(i * dim, (i + 1) * dim));
    out.set(this.output.subarray(i * dim, (i + 1) * dim), dim);
    return out;
  }

  /** Sets an item's vectors from {@link vectorsOf} (restore of an incremental snapshot). */
  setVectors(id: string, vectors: Float32Array): void {
    const dim = this.opts.dim;
    if (vectors.length !== 2 * dim) throw new RangeError(`expected ${2 * dim} floats for ${id}, got ${vectors.length}`);
    const i = this.itemIndex(id);
    this.input.set(vectors.subarray(0, dim), i * dim);
    this.output.set(vectors.subarray(dim), i * dim);
  }

  /** The user vector: learned ('mf') or built from recent items ('context'); null when unknown. */
  userVector(user: string | readonly string[]): Float32Array | null {
    const out = new Float32Array(this.opts.dim);
    if (typeof user === 'string') {
      const st = this.users.get(user);
      if (st === undefined) return null;
      if (this.opts.mode === 'mf' && st.vec) {
        out.set(st.vec);
        return out;
      }
      return this.contextOf(st.recent, out) > 0 ? out : null;
    }
    const idx: number[] = [];
    for (const id of user) {
      const i = this.index.get(id);
      if (i !== undefined) idx.push(i);
    }
    return this.contextOf(idx, out) > 0 ? out : null;
  }

  /** Scores candidates for a user id or a recent-item list; unknown items and users score 0. */
  scoreItems(user: string | readonly string[], candidateIds: readonly string[]): Float32Array {
    const scores = new Float32Array(candidateIds.length);
    const u = this.userVector(user);
    if (u === null) return scores;
    const dim = this.opts.dim;
    for (let c = 0; c < candidateIds.length; c++) {
      const i = this.index.get(candidateIds[c]);
      if (i === undefined) continue;
      let s = 0;
      const off = i * dim;
      for (let d = 0; d < dim; d++) s += u[d] * this.output[off + d];
      scores[c] = s;
    }
    return scores;
  }

  /** A copy of an item's output vector, or null. */
  itemVector(id: string): Float32Array | null {
    const i = this.index.get(id);
    if (i === undefined) return null;
    return this.output.slice(i * this.opts.dim, (i + 1) * this.opts.dim);
  }

  /** Top-k items by dot product with `vector`, brute force over all items (fine to ~100k). */
  nearest(vector: Float32Array, k: number, exclude: ReadonlySet<string> = new Set()): { id: string; score: number }[] {
    const dim = this.opts.dim;
    const top: { id: string; score: number }[] = [];
    let floor = -Infinity;
    for (let i = 0; i < this.ids.length; i++) {
      const off = i * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += vector[d] * this.output[off + d];
      if (top.length >= k && s <= floor) continue;
      const id = this.ids[i];
      if (exclude.has(id)) continue;
      // insertion into a short sorted list beats a heap for k around 10..100
      let p = top.length;
      while (p > 0 && top[p - 1].score < s) p--;
      top.splice(p, 0, { id, score: s });
      if (top.length > k) top.pop();
      if (top.length >= k) floor = top[top.length - 1].score;
    }
    return top;
  }

  /** Snapshot as plain JSON. */
  toJSON(): EmbeddingSnapshot {
    const n = this.ids.length * this.opts.dim;
    const users: [string, string[], string | null][] = [];
    for (const [id, s] of this.users) users.push([id, s.recent.map((i) => this.ids[i]), s.vec ? f32ToBase64(s.vec) : null]);
    return {
      kind: 'embeddings',
      options: { ...this.opts },
      ids: [...this.ids],
      input: f32ToBase64(this.input.subarray(0, n)),
      output: f32ToBase64(this.output.subarray(0, n)),
      users,
      version: this.version,
    };
  }

  /** Restores from {@link EmbeddingModel.toJSON}; the PRNG restarts from the seed. */
  static fromJSON(s: EmbeddingSnapshot): EmbeddingModel {
    if (s.kind !== 'embeddings') throw new TypeError(`not an embeddings snapshot: ${String(s.kind)}`);
    const m = new EmbeddingModel(s.options);
    for (const id of s.ids) m.itemIndex(id);
    m.input.set(base64ToF32(s.input));
    m.output.set(base64ToF32(s.output));
    for (const [id, recent, vec] of s.users) {
      m.users.set(id, { recent: recent.map((r) => m.itemIndex(r)), vec: vec === null ? null : base64ToF32(vec) });
    }
    m.version = s.version;
    return m;
  }
}
