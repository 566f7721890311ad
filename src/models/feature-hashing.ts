// Feature hashing ("the hashing trick"): string features map straight to an index in a 2^bits
// space, so online models need no vocabulary and never grow. Collisions are tolerated; with
// bits = 18..22 they cost little for the few dozen features a ranking request produces.

/** One sparse feature after hashing: a slot in the weight vector and its value. */
export interface HashedFeature {
  index: number;
  value: number;
}

/** A feature before hashing: a name such as `"src=covis"` and an optional value (default 1). */
export type RawFeature = string | { name: string; value?: number };

/**
 * MurmurHash3 x86 32-bit of the UTF-16 code units of `key` (each code unit taken as one byte
 * when < 256, otherwise as two). Stable across processes, so snapshots and hashed indexes agree.
 */
export function murmur3(key: string, seed = 0): number {
  let h = seed >>> 0;
  let k = 0;
  let shift = 0;
  let len = 0;
  const mix = (block: number): void => {
    let b = Math.imul(block, 0xcc9e2d51);
    b = (b << 15) | (b >>> 17);
    b = Math.imul(b, 0x1b873593);
    h ^= b;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  };
  const push = (byte: number): void => {
    k |= byte << shift;
    shift += 8;
    len++;
    if (shift === 32) {
      mix(k);
      k = 0;
      shift = 0;
    }
  };
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 256) push(c);
    else {
      push(c & 0xff);
      push(c >>> 8);
    }
  }
  if (shift > 0) {
    let b = Math.imul(k, 0xcc9e2d51);
    b = (b << 15) | (b >>> 17);
    b = Math.imul(b, 0x1b873593);
    h ^= b;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Options of a {@link FeatureHasher}. */
export interface FeatureHasherOptions {
  /** log2 of the space size; 18 gives 262,144 slots. */
  bits?: number;
  /** hash seed; change it to re-draw collisions. */
  seed?: number;
  /** add a constant bias feature to every hashed vector (the model's intercept). */
  bias?: boolean;
}

/** Name of the bias feature that {@link FeatureHasher.hash} adds when `bias` is on. */
export const BIAS_FEATURE = '__bias__';

/** Hashes named features into a 2^bits space; the same names always land on the same index. */
export class FeatureHasher {
  readonly bits: number;
  readonly seed: number;
  readonly bias: boolean;
  private readonly mask: number;

  constructor(options: FeatureHasherOptions = {}) {
    this.bits = options.bits ?? 18;
    if (!Number.isInteger(this.bits) || this.bits < 1 || this.bits > 30) {
      throw new RangeError(`bits must be an integer in 1..30, got ${this.bits}`);
    }
    this.seed = options.seed ?? 0;
    this.bias = options.bias ?? true;
    this.mask = (1 << this.bits) - 1;
  }

  /** Index of one feature name. */
  indexOf(name: string): number {
    return murmur3(name, this.seed) & this.mask;
  }

  /** Hashes a feature list; duplicate indexes are kept (the models sum them). */
  hash(features: readonly RawFeature[]): HashedFeature[] {
    const out: HashedFeature[] = [];
    if (this.bias) out.push({ index: this.indexOf(BIAS_FEATURE), value: 1 });
    for (const f of features) {
      if (typeof f === 'string') out.push({ index: this.indexOf(f), value: 1 });
      else if (f.value !== 0) out.push({ index: this.indexOf(f.name), value: f.value ?? 1 });
    }
    return out;
  }
}

/**
 * Quadratic crosses between two feature groups, as `a^b` names (Vowpal Wabbit's `-q ab`): a
 * linear model needs them to learn that `cat=sports` matters at `hour=20` but not at `hour=8`.
 */
export function crossFeatures(left: readonly RawFeature[], right: readonly RawFeature[]): RawFeature[] {
  const out: RawFeature[] = [];
  for (const a of left) {
    const an = typeof a === 'string' ? a : a.name;
    const av = typeof a === 'string' ? 1 : (a.value ?? 1);
    for (const b of right) {
      const bn = typeof b === 'string' ? b : b.name;
      const bv = typeof b === 'string' ? 1 : (b.value ?? 1);
      const v = av * bv;
      out.push(v === 1 ? `${an}^${bn}` : { name: `${an}^${bn}`, value: v });
    }
  }
  return out;
}
