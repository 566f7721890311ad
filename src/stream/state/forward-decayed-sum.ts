/**
 * A forward-decayed sum (Cormode et al., "Forward Decay", ICDE 2009), kept as a logarithm: an event
 * of weight w at time ts adds w * exp(lambda * ts), so old weights are never rewritten, and two keys'
 * sums compare directly at any time (both would decay by the same factor). The logarithm keeps
 * exp(lambda * ts) from overflowing. -Infinity is "nothing added yet".
 */
import { ByteReader, ByteWriter } from './bytes.ts';

export class ForwardDecayedSum {
  constructor(
    /** log(sum(w * exp(lambda * ts))). */
    public logValue = Number.NEGATIVE_INFINITY,
  ) {}

  /** Adds `weight` (positive) at event time `ts`, for a decay rate `lambda` (1/ms). */
  add(weight: number, ts: number, lambda: number): void {
    this.logValue = logAddExp(this.logValue, Math.log(weight) + lambda * ts);
  }

  sizeBytes(): number {
    return 24;
  }

  encode(w: ByteWriter): void {
    w.f64(this.logValue);
  }

  static decode(r: ByteReader): ForwardDecayedSum {
    return new ForwardDecayedSum(r.f64());
  }

  /** The log-sum, null before anything was added (JSON has no -Infinity). */
  toJSON(): number | null {
    return Number.isFinite(this.logValue) ? this.logValue : null;
  }
}

/** log(exp(a) + exp(b)) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}
