// Popularity baselines. Any personalised model must beat these to be worth its cost; the recent
// one is also what a cold user gets from the reference recommender.

import type { Recommender } from './prequential.ts';
import type { ReplayEvent } from './readers.ts';

/**
 * Items kept sorted by a score that only ever increases, so an update moves one item up by a
 * binary search and a shift, and top-k is a scan from the head that skips excluded items.
 * Exponential decay fits this too: instead of shrinking every old score, new increments grow
 * by exp(t / tau), which leaves the order of existing items unchanged.
 */
export class RankedCounter {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];
  private score = new Float64Array(1024);
  private order = new Int32Array(1024);
  private pos = new Int32Array(1024);
  /** time constant in ms (half-life / ln 2); Infinity means plain counts */
  private readonly tau: number;
  private anchor = NaN;
  private scale = 1;

  /** @param halfLifeMs decay half-life in event time; Infinity (default) counts forever. */
  constructor(halfLifeMs = Infinity) {
    this.tau = halfLifeMs / Math.LN2;
  }

  /** Number of distinct items. */
  get size(): number {
    return this.ids.length;
  }

  private grow(): void {
    const g = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    this.score = g(this.score, (n) => new Float64Array(n));
    this.order = g(this.order, (n) => new Int32Array(n));
    this.pos = g(this.pos, (n) => new Int32Array(n));
  }

  /** Weight an increment at time `ts` gets, relative to the current scale. */
  private weightAt(ts: number): number {
    if (!Number.isFinite(this.tau)) return 1;
    if (Number.isNaN(this.anchor)) this.anchor = ts;
    let w = Math.exp((ts - this.anchor) / this.tau) / this.scale;
    if (w > 1e100) {
      // rescale everything before doubles overflow; the order is unchanged
      for (let i = 0; i < this.ids.length; i++) this.score[i] /= w;
      this.scale *= w;
      w = 1;
    }
    return w;
  }

  /** Adds `amount` (default 1) at time `ts` to an item's score. */
  add(id: string, ts = 0, amount = 1): void {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      if (i >= this.score.length) this.grow();
      this.index.set(id, i);
      this.ids.push(id);
      this.score[i] = 0;
      this.order[i] = i;
      this.pos[i] = i;
    }
    const s = (this.score[i] += amount * this.weightAt(ts));
    let p = this.pos[i];
    if (p === 0 || this.score[this.order[p - 1]] >= s) return;
    // first position whose score is below s
    let lo = 0;
    let hi = p;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.score[this.order[mid]] >= s) lo = mid + 1;
      else hi = mid;
    }
    const old = p;
    this.order.copyWithin(lo + 1, lo, old);
    this.order[lo] = i;
    for (p = lo; p <= old; p++) this.pos[this.order[p]] = p;
  }

  /** Current score at time `ts` (decayed), 0 for unknown items. */
  scoreOf(id: string, ts?: number): number {
    const i = this.index.get(id);
    if (i === undefined) return 0;
    if (!Number.isFinite(this.tau) || ts === undefined || Number.isNaN(this.anchor)) return this.score[i];
    return this.score[i] * this.scale * Math.exp(-(ts - this.anchor) / this.tau);
  }

  /** Rank (0 = best) of an item, or -1. */
  rankOf(id: string): number {
    const i = this.index.get(id);
    return i === undefined ? -1 : this.pos[i];
  }

  /** Top `k` ids by score, skipping `exclude`. */
  top(k: number, exclude?: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (let p = 0; p < this.ids.length && out.length < k; p++) {
      const id = this.ids[this.order[p]];
      if (exclude === undefined || !exclude.has(id)) out.push(id);
    }
    return out;
  }
}

/** Most interacted items so far. */
export class GlobalPopularity implements Recommender {
  readonly name = 'popularity';
  private readonly counts = new RankedCounter();

  recommend(_userId: string, k: number, _ts: number, exclude: ReadonlySet<string>): string[] {
    return this.counts.top(k, exclude);
  }

  learn(event: ReplayEvent): void {
    this.counts.add(event.itemId);
  }
}

/** Default half-life of recent popularity: a few days of event time (see the replay report). */
export const DEFAULT_RECENT_HALF_LIFE_MS = 3 * 24 * 3600_000;

/**
 * Exponentially decayed interaction counts ("trending"). The half-life is in event time (ms) or,
 * with `byEvents`, in number of events: the latter adapts to the traffic rate of the log, which
 * matters when the same code replays a dense news stream and a sparse multi-year ratings log.
 */
export class RecentPopularity implements Recommender {
  readonly name: string;
  readonly counts: RankedCounter;
  private readonly byEvents: boolean;
  private n = 0;

  constructor(halfLife = DEFAULT_RECENT_HALF_LIFE_MS, name = 'recent-popularity', byEvents = false) {
    this.counts = new RankedCounter(halfLife);
    this.name = name;
    this.byEvents = byEvents;
  }

  recommend(_userId: string, k: number, _ts: number, exclude: ReadonlySet<string>): string[] {
    return this.counts.top(k, exclude);
  }

  learn(event: ReplayEvent): void {
    this.counts.add(event.itemId, this.byEvents ? this.n++ : event.ts);
  }
}
