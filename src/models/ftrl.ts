// FTRL-proximal logistic regression, per-coordinate learning rates, L1 + L2.
// McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD 2013, Algorithm 1:
// https://research.google.com/pubs/archive/41159.pdf
// Only z and n are stored; weights are derived lazily, so L1 yields exact zeros (sparse models).

import { FeatureHasher, type HashedFeature, type RawFeature } from './feature-hashing.ts';

/** Hyper-parameters of {@link Ftrl}. */
export interface FtrlOptions {
  /** per-coordinate learning-rate scale (paper's alpha). */
  alpha?: number;
  /** learning-rate smoothing (paper's beta); 1 is the paper's usual choice. */
  beta?: number;
  /** L1 strength: weights whose |z| stays below it are exactly 0. */
  l1?: number;
  /** L2 strength. */
  l2?: number;
  /** log2 of the weight-vector size. */
  bits?: number;
  /** hash seed for {@link Ftrl.hash} and {@link Ftrl.weightOf}. */
  seed?: number;
}

/** JSON shape of a snapshot; z and n are base64 of little-endian Float32 arrays. */
export interface FtrlSnapshot {
  kind: 'ftrl';
  alpha: number;
  beta: number;
  l1: number;
  l2: number;
  bits: number;
  seed: number;
  version: number;
  z: string;
  n: string;
}

const DEFAULTS = { alpha: 0.1, beta: 1, l1: 1, l2: 1, bits: 18, seed: 0 } as const;

/** Clamp keeps exp() finite and the logloss bounded on confident mistakes. */
function sigmoid(x: number): number {
  const t = x > 35 ? 35 : x < -35 ? -35 : x;
  return 1 / (1 + Math.exp(-t));
}

function toBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64(s: string, length: number): Float32Array {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength !== length * 4) throw new RangeError(`expected ${length * 4} bytes, got ${buf.byteLength}`);
  const out = new Float32Array(length);
  // copy instead of aliasing: Buffer pool slices are not 4-byte aligned
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** Online logistic regression trained one example at a time; see the file header. */
export class Ftrl {
  readonly alpha: number;
  readonly beta: number;
  readonly l1: number;
  readonly l2: number;
  readonly bits: number;
  readonly hasher: FeatureHasher;
  /** Number of updates applied; snapshots carry it so readers can tell models apart. */
  version = 0;
  private readonly z: Float32Array;
  private readonly n: Float32Array;

  constructor(options: FtrlOptions = {}) {
    this.alpha = options.alpha ?? DEFAULTS.alpha;
    this.beta = options.beta ?? DEFAULTS.beta;
    this.l1 = options.l1 ?? DEFAULTS.l1;
    this.l2 = options.l2 ?? DEFAULTS.l2;
    this.bits = options.bits ?? DEFAULTS.bits;
    if (!(this.alpha > 0) || this.beta < 0 || this.l1 < 0 || this.l2 < 0) {
      throw new RangeError('alpha must be > 0; beta, l1, l2 must be >= 0');
    }
    this.hasher = new FeatureHasher({ bits: this.bits, seed: options.seed ?? DEFAULTS.seed, bias: true });
    this.z = new Float32Array(1 << this.bits);
    this.n = new Float32Array(1 << this.bits);
  }

  /** Hashes named features (with a bias term) into this model's space. */
  hash(features: readonly RawFeature[]): HashedFeature[] {
    return this.hasher.hash(features);
  }

  /** Weight of slot i, from z and n in closed form (paper, Algorithm 1). */
  private weight(i: number): number {
    const z = this.z[i];
    const az = z < 0 ? -z : z;
    if (az <= this.l1) return 0;
    const sign = z < 0 ? -1 : 1;
    return -(z - sign * this.l1) / ((this.beta + Math.sqrt(this.n[i])) / this.alpha + this.l2);
  }

  /** Raw score w·x, before the sigmoid. */
  margin(features: readonly HashedFeature[]): number {
    let s = 0;
    for (const f of features) s += this.weight(f.index) * f.value;
    return s;
  }

  /** Probability that the label is 1. */
  predict(features: readonly HashedFeature[]): number {
    return sigmoid(this.margin(features));
  }

  /** One FTRL step on one example; returns the prediction made before the update. */
  update(features: readonly HashedFeature[], label: 0 | 1): number {
    const p = this.predict(features);
    const g0 = p - label;
    for (const f of features) {
      const i = f.index;
      const g = g0 * f.value;
      const ni = this.n[i];
      const sigma = (Math.sqrt(ni + g * g) - Math.sqrt(ni)) / this.alpha;
      this.z[i] += g - sigma * this.weight(i);
      this.n[i] = ni + g * g;
    }
    this.version++;
    return p;
  }

  /** Current weight of a named feature (the bias is `"__bias__"`). */
  weightOf(name: string): number {
    return this.weight(this.hasher.indexOf(name));
  }

  /** Number of non-zero weights; L1 keeps it small. */
  nonZero(): number {
    let c = 0;
    for (let i = 0; i < this.z.length; i++) if (this.weight(i) !== 0) c++;
    return c;
  }

  /** Snapshot as plain JSON. */
  toJSON(): FtrlSnapshot {
    return {
      kind: 'ftrl',
      alpha: this.alpha,
      beta: this.beta,
      l1: this.l1,
      l2: this.l2,
      bits: this.bits,
      seed: this.hasher.seed,
      version: this.version,
      z: toBase64(this.z),
      n: toBase64(this.n),
    };
  }

  /** Restores a model from {@link Ftrl.toJSON}. */
  static fromJSON(s: FtrlSnapshot): Ftrl {
    if (s.kind !== 'ftrl') throw new TypeError(`not an ftrl snapshot: ${String(s.kind)}`);
    const m = new Ftrl({ alpha: s.alpha, beta: s.beta, l1: s.l1, l2: s.l2, bits: s.bits, seed: s.seed });
    m.z.set(fromBase64(s.z, m.z.length));
    m.n.set(fromBase64(s.n, m.n.length));
    m.version = s.version;
    return m;
  }
}

/** Binary cross-entropy of one prediction, clipped so a confident miss costs at most ~35. */
export function logLoss(p: number, label: 0 | 1): number {
  const q = Math.min(Math.max(p, 1e-15), 1 - 1e-15);
  return label === 1 ? -Math.log(q) : -Math.log(1 - q);
}
