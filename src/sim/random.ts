/**
 * A tiny seeded PRNG (mulberry32) and the few sampling helpers the simulator needs. Seeded so a
 * world (catalogue, tastes) is reproducible from `--seed`; not for anything security-related.
 */

/** A deterministic random source: the same seed gives the same sequence. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Mix the seed once so nearby seeds (1, 2, 3) do not start with similar sequences.
    this.state = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    // mulberry32, https://gist.github.com/tommyettinger/46a874533244883189143505d203312c
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)];
  }

  /** An index chosen with probability proportional to `weights[i]` (all >= 0, sum > 0). */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** A log-normal sample with the given median and spread (sigma of the underlying normal). */
  logNormal(median: number, sigma: number): number {
    // Box-Muller; 1 - next() keeps the log argument away from zero.
    const u = 1 - this.next();
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * z);
  }
}

/**
 * Samples ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s (Zipf), by binary search
 * over the cumulative weights, so each draw is O(log n) however large the category is.
 */
export class ZipfSampler {
  private readonly cumulative: Float64Array;

  constructor(n: number, s: number) {
    this.cumulative = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += 1 / Math.pow(i + 1, s);
      this.cumulative[i] = total;
    }
  }

  /** A rank in [0, n). */
  sample(rng: Rng): number {
    const c = this.cumulative;
    const target = rng.next() * c[c.length - 1];
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
