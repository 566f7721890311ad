/**
 * What the simulator measures: latencies (as percentiles) and the taste match of served
 * recommendations against the users' hidden tastes, compared to chance.
 */

/** Latency samples in milliseconds; keeps a bounded reservoir so a long run stays small. */
export class LatencyRecorder {
  private readonly samples: number[] = [];
  private seen = 0;

  constructor(private readonly capacity = 50_000) {}

  add(ms: number): void {
    this.seen += 1;
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else {
      // Reservoir sampling keeps a uniform sample of the whole run, not just its start.
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.capacity) this.samples[j] = ms;
    }
  }

  get count(): number {
    return this.seen;
  }

  /** The q-quantile (0..1) by nearest rank, or undefined without samples. */
  percentile(q: number): number | undefined {
    if (this.samples.length === 0) return undefined;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[rank];
  }
}

/**
 * Served recommended items that fall in the user's hidden taste, against the share expected if the
 * service picked items at random from the catalogue (the taste categories' catalogue share).
 */
export class TasteTally {
  served = 0;
  matched = 0;
  private expected = 0;

  /** One served item: whether it matched, and the chance of a match for that user. */
  add(match: boolean, chance: number): void {
    this.served += 1;
    if (match) this.matched += 1;
    this.expected += chance;
  }

  get matchRate(): number | undefined {
    return this.served === 0 ? undefined : this.matched / this.served;
  }

  get chanceRate(): number | undefined {
    return this.served === 0 ? undefined : this.expected / this.served;
  }

  /** matchRate / chanceRate: 1 means no better than random, higher means the service learned. */
  get lift(): number | undefined {
    const m = this.matchRate;
    const c = this.chanceRate;
    return m === undefined || c === undefined || c === 0 ? undefined : m / c;
  }
}

/** Rounds for display and JSON: undefined becomes null, numbers keep `digits` decimals. */
export function round(value: number | undefined, digits = 2): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
