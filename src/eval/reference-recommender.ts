// A strong reference recommender built from the online learners: co-visitation over each user's
// recent sequence (position decay, popularity-normalised, counts decaying with event time),
// blended with recent popularity and online embeddings, then the head of the list re-ranked by an
// online FTRL model trained on the lists it served. It exists to tell the streaming pipeline which
// signals and weights pay off; src/eval/README.md has the ablation table behind the defaults.

import { EmbeddingModel, type EmbeddingOptions } from '../models/embeddings.ts';
import { RankedCounter } from './baselines.ts';
import { CovisMatrix, IdSpace } from './covisitation.ts';
import type { Recommender } from './prequential.ts';
import { OnlineRanker } from './ranker.ts';
import type { HashedFeature } from '../models/feature-hashing.ts';
import type { ReplayEvent } from './readers.ts';

/** Tunables of {@link ReferenceRecommender}; every field has a default (see REFERENCE_DEFAULTS). */
export interface ReferenceOptions {
  name?: string;
  /** a new item forms pairs with this many of the user's previous items */
  window?: number;
  /** pair weight is pairDecay^(distance - 1): adjacent items count most */
  pairDecay?: number;
  /** weight of the backward direction (later item -> earlier item) relative to forward */
  backward?: number;
  /** pair weight also halves every this many ms between the two interactions (Infinity: off) */
  gapHalfLifeMs?: number;
  /** co-visitation counts halve every this many events (Infinity: never), so tastes can drift */
  covisHalfLifeEvents?: number;
  /** how many of the user's most recent items seed the candidates */
  history?: number;
  /** the r-th most recent seed item weighs historyDecay^r */
  historyDecay?: number;
  /** co-visitation weight is divided by popularity(target)^popNorm (0: raw counts) */
  popNorm?: number;
  /** ...and by popularity(seed)^srcNorm, so a seed that co-occurs with everything says less */
  srcNorm?: number;
  /** weight of recent popularity in the blend (scores are max-normalised per request) */
  popWeight?: number;
  /** recent popularity half-life, in events (adapts to the log's traffic rate) */
  popHalfLifeEvents?: number;
  /** how many popular items join the candidates */
  popCandidates?: number;
  /** weight of the embedding score in the blend (0: embeddings not trained) */
  embWeight?: number;
  /** how many of the best blended candidates the embedding model re-scores */
  rerank?: number;
  embedding?: EmbeddingOptions;
  /** re-rank the best `rankerDepth` candidates with an online FTRL model trained on served lists */
  ranker?: boolean;
  rankerDepth?: number;
}

/**
 * Defaults: tuned by prequential replay of MovieLens ratings (HR@10), kept to relative forms
 * (positions, shares, powers of popularity, half-life in events) so they carry to other logs.
 */
export const REFERENCE_DEFAULTS: Required<Omit<ReferenceOptions, 'embedding' | 'name'>> = {
  window: 10,
  pairDecay: 0.9,
  backward: 0.5,
  gapHalfLifeMs: Infinity,
  covisHalfLifeEvents: 20_000,
  history: 10,
  historyDecay: 0.8,
  popNorm: 0.25,
  srcNorm: 0.5,
  popWeight: 0.2,
  popHalfLifeEvents: 3000,
  popCandidates: 50,
  embWeight: 0.3,
  rerank: 100,
  ranker: true,
  rankerDepth: 30,
};

interface UserHistory {
  items: number[];
  ts: number[];
}

/** Bounded top-n selection of indices by score (a min-heap on score). */
class TopN {
  readonly idx: Int32Array;
  readonly val: Float64Array;
  size = 0;

  constructor(readonly cap: number) {
    this.idx = new Int32Array(cap);
    this.val = new Float64Array(cap);
  }

  clear(): void {
    this.size = 0;
  }

  /** Smallest kept score, or -Infinity while not full. */
  floor(): number {
    return this.size < this.cap ? -Infinity : this.val[0];
  }

  push(i: number, v: number): void {
    if (this.size < this.cap) {
      let p = this.size++;
      while (p > 0) {
        const q = (p - 1) >> 1;
        if (this.val[q] <= v) break;
        this.idx[p] = this.idx[q];
        this.val[p] = this.val[q];
        p = q;
      }
      this.idx[p] = i;
      this.val[p] = v;
      return;
    }
    if (v <= this.val[0]) return;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.val[r] < this.val[l] ? r : l;
      if (this.val[c] >= v) break;
      this.idx[p] = this.idx[c];
      this.val[p] = this.val[c];
      p = c;
    }
    this.idx[p] = i;
    this.val[p] = v;
  }

  /** Kept indices, best first. */
  sorted(): number[] {
    const order = Array.from({ length: this.size }, (_, j) => j).sort((a, b) => this.val[b] - this.val[a]);
    return order.map((j) => this.idx[j]);
  }
}

/** The reference recommender; see the file header. */
export class ReferenceRecommender implements Recommender {
  readonly name: string;
  readonly opts: Required<Omit<ReferenceOptions, 'embedding' | 'name'>>;
  private readonly space = new IdSpace();
  private readonly covis = new CovisMatrix();
  private readonly users = new Map<string, UserHistory>();
  private pop: Float64Array = new Float64Array(1024);
  private popPow: Float64Array = new Float64Array(1024);
  private srcPow: Float64Array = new Float64Array(1024);
  /** recent popularity by index, growing increments instead of decaying (as RankedCounter) */
  private trend: Float64Array = new Float64Array(1024);
  private trendScale = 1;
  /** weight of a new co-visitation pair, growing instead of decaying the stored counts */
  private covisGrowth = 1;
  private readonly recent: RankedCounter;
  private readonly emb: EmbeddingModel | null;
  private acc: Float64Array = new Float64Array(1024);
  private readonly touched: number[] = [];
  private readonly tops = new Map<number, TopN>();
  private nEvents = 0;
  private readonly ranker: OnlineRanker | null;
  /** the list last served, kept until the event it was scored against is learned */
  private pending: { user: string; items: number[]; features: HashedFeature[][] } | null = null;

  constructor(options: ReferenceOptions = {}) {
    const { name, embedding, ...rest } = options;
    this.opts = { ...REFERENCE_DEFAULTS, ...rest };
    this.name = name ?? 'reference';
    this.recent = new RankedCounter(this.opts.popHalfLifeEvents);
    this.emb = this.opts.embWeight > 0 ? new EmbeddingModel(embedding) : null;
    this.ranker = this.opts.ranker ? new OnlineRanker() : null;
  }

  private ensure(n: number): void {
    if (n <= this.pop.length) return;
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.pop = grow(this.pop);
    this.popPow = grow(this.popPow);
    this.srcPow = grow(this.srcPow);
    this.trend = grow(this.trend);
    this.acc = grow(this.acc);
  }

  recommend(userId: string, k: number, _ts: number, exclude: ReadonlySet<string>): string[] {
    const o = this.opts;
    const h = this.users.get(userId);
    const ids = this.space.ids;
    const acc = this.acc;
    const touched = this.touched;
    touched.length = 0;
    // 1. co-visitation from the most recent seeds
    let w = 1;
    const n = h ? h.items.length : 0;
    for (let r = 0; h && r < o.history && r < n; r++, w *= o.historyDecay) {
      const src = h.items[n - 1 - r];
      const row = this.covis.rowView(src);
      if (row === null) continue;
      const ws = w / this.srcPow[src];
      const { cols, vals } = row;
      for (let s = 0; s < row.n; s++) {
        const c = cols[s];
        if (acc[c] === 0) touched.push(c);
        acc[c] += (ws * vals[s]) / this.popPow[c];
      }
    }
    let maxC = 0;
    for (const c of touched) if (acc[c] > maxC) maxC = acc[c];
    // 2. recent popularity: its top items are candidates, and every candidate gets its share
    const popTop = this.recent.top(o.popCandidates, exclude);
    const trend = this.trend;
    const maxP = popTop.length > 0 ? trend[this.space.get(popTop[0])] : 0;
    const cw = maxC > 0 ? 1 / maxC : 0;
    const pw = maxP > 0 && o.popWeight > 0 ? o.popWeight / maxP : 0;
    const cap = Math.max(k, this.emb || this.ranker ? o.rerank : k);
    let top = this.tops.get(cap);
    if (top === undefined) {
      top = new TopN(cap);
      this.tops.set(cap, top);
    }
    top.clear();
    const consider = (c: number, v: number): void => {
      if (v > top.floor() && !exclude.has(ids[c])) top.push(c, v);
    };
    // inlined rather than through consider(): this loop runs over thousands of items per request
    let floor = top.floor();
    for (let t = 0; t < touched.length; t++) {
      const c = touched[t];
      const v = acc[c] * cw + pw * trend[c];
      if (v > floor && !exclude.has(ids[c])) {
        top.push(c, v);
        floor = top.floor();
      }
    }
    for (const id of popTop) {
      const c = this.space.get(id);
      // the tiny term keeps popularity order among fillers when popWeight is 0
      if (acc[c] === 0) consider(c, pw * trend[c] + (maxP > 0 ? (1e-9 * trend[c]) / maxP : 0));
    }
    const order = top.sorted();
    const covisOf = this.ranker ? order.map((c) => acc[c] * cw) : [];
    for (const c of touched) acc[c] = 0;
    let ranked = order;
    let embOf: number[] = [];
    // 3. embeddings re-score the best candidates (scores min-max normalised per request)
    if (this.emb && order.length > 0 && h) {
      const base = new Map<number, number>();
      for (let j = 0; j < top.size; j++) base.set(top.idx[j], top.val[j]);
      const es = this.emb.scoreItems(userId, order.map((c) => ids[c]));
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of es) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const scale = hi > lo ? o.embWeight / (hi - lo) : 0;
      if (this.ranker) embOf = order.map((_, j) => (hi > lo ? (es[j] - lo) / (hi - lo) : 0));
      const blended = order.map((c, j) => ({ c, v: (base.get(c) ?? 0) + (es[j] - lo) * scale }));
      blended.sort((x, y) => y.v - x.v);
      ranked = blended.map((x) => x.c);
    }
    if (this.ranker && ranked.length > 0) ranked = this.rerankWithModel(userId, ranked, order, covisOf, embOf, maxP, n);
    const out = ranked.slice(0, k).map((c) => ids[c]);
    if (out.length < k) {
      // fill from popularity when co-visitation and trending ran short
      const have = new Set(out);
      for (const id of this.recent.top(k + out.length, exclude)) if (out.length < k && !have.has(id)) out.push(id);
    }
    return out;
  }

  /** Re-orders the head of `ranked` by the online ranker and remembers it for training. */
  private rerankWithModel(userId: string, ranked: number[], order: number[], covisOf: number[], embOf: number[], maxP: number, n: number): number[] {
    const ranker = this.ranker!;
    const posInOrder = new Map<number, number>();
    order.forEach((c, j) => posInOrder.set(c, j));
    const head = ranked.slice(0, this.opts.rankerDepth);
    const features = head.map((c, r) => {
      const j = posInOrder.get(c) ?? -1;
      return ranker.features({
        blendRank: r,
        covis: j >= 0 ? covisOf[j] : 0,
        trend: maxP > 0 ? this.trend[c] / maxP : 0,
        emb: j >= 0 && embOf.length > 0 ? embOf[j] : 0,
        popularity: this.pop[c],
        historyLength: n,
      });
    });
    const scored = head.map((c, r) => ({ c, r, s: ranker.score(features[r]) }));
    scored.sort((a, b) => b.s - a.s || a.r - b.r);
    this.pending = { user: userId, items: head, features };
    return scored.map((x) => x.c).concat(ranked.slice(head.length));
  }

  learn(event: ReplayEvent): void {
    const o = this.opts;
    const i = this.space.intern(event.itemId);
    if (this.ranker && this.pending && this.pending.user === event.userId) {
      this.ranker.train(this.pending.features, this.pending.items.indexOf(i));
    }
    this.pending = null;
    this.ensure(this.space.size);
    this.pop[i]++;
    this.popPow[i] = o.popNorm === 0 ? 1 : Math.pow(this.pop[i], o.popNorm);
    this.srcPow[i] = o.srcNorm === 0 ? 1 : Math.pow(this.pop[i], o.srcNorm);
    this.recent.add(event.itemId, this.nEvents);
    let tw = Math.exp((this.nEvents++ * Math.LN2) / o.popHalfLifeEvents) / this.trendScale;
    if (tw > 1e100) {
      for (let c = 0; c < this.space.size; c++) this.trend[c] /= tw;
      this.trendScale *= tw;
      tw = 1;
    }
    this.trend[i] += tw;
    let h = this.users.get(event.userId);
    if (h === undefined) {
      h = { items: [], ts: [] };
      this.users.set(event.userId, h);
    }
    const n = h.items.length;
    let w = 1;
    if (Number.isFinite(o.covisHalfLifeEvents)) {
      this.covisGrowth *= Math.pow(2, 1 / o.covisHalfLifeEvents);
      if (this.covisGrowth > 1e20) {
        this.covis.scale(1 / this.covisGrowth);
        this.covisGrowth = 1;
      }
      w = this.covisGrowth;
    }
    const gapRate = Number.isFinite(o.gapHalfLifeMs) ? Math.LN2 / o.gapHalfLifeMs : 0;
    for (let d = 1; d <= o.window && d <= n; d++, w *= o.pairDecay) {
      const j = h.items[n - d];
      if (j === i) continue;
      const g = gapRate > 0 ? w * Math.exp(-gapRate * Math.max(0, event.ts - h.ts[n - d])) : w;
      this.covis.add(j, i, g);
      if (o.backward > 0) this.covis.add(i, j, g * o.backward);
    }
    h.items.push(i);
    h.ts.push(event.ts);
    const keep = Math.max(o.window, o.history);
    if (h.items.length > keep * 4) {
      h.items.splice(0, h.items.length - keep);
      h.ts.splice(0, h.ts.length - keep);
    }
    this.emb?.observe(event.userId, event.itemId, event.ts);
  }
}
