// Prequential ranking metrics: each scored event adds one observation, so the figures can be read
// at any point of a replay (cumulative) and per window (for charts over time).

/** Final figures of one accumulator. */
export interface MetricSummary {
  /** scored events */
  count: number;
  hr: number;
  ndcg: number;
  mrr: number;
  /** distinct items ever recommended / distinct items seen */
  coverage: number;
}

/** HR@K, NDCG@K, MRR@K and catalogue coverage over a stream of (recommended list, held item). */
export class MetricAccumulator {
  readonly k: number;
  private count = 0;
  private hits = 0;
  private dcg = 0;
  private rr = 0;
  private readonly recommended = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    this.k = k;
  }

  /** Counts an item as part of the catalogue seen so far (coverage's denominator). */
  seeItem(item: string): void {
    this.seen.add(item);
  }

  /**
   * Scores one list against the held-out item; returns the 0-based rank, or -1 for a miss.
   * Only the first K entries count.
   */
  record(list: readonly string[], held: string): number {
    this.count++;
    const n = Math.min(this.k, list.length);
    let rank = -1;
    for (let i = 0; i < n; i++) {
      this.recommended.add(list[i]);
      if (rank < 0 && list[i] === held) rank = i;
    }
    if (rank >= 0) {
      this.hits++;
      // one relevant item, so the ideal DCG is 1 and NDCG is the DCG of the hit
      this.dcg += 1 / Math.log2(rank + 2);
      this.rr += 1 / (rank + 1);
    }
    return rank;
  }

  /** The figures so far. */
  summary(): MetricSummary {
    const c = this.count || 1;
    return {
      count: this.count,
      hr: this.hits / c,
      ndcg: this.dcg / c,
      mrr: this.rr / c,
      coverage: this.seen.size === 0 ? 0 : this.recommended.size / this.seen.size,
    };
  }
}
