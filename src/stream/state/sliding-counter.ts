/**
 * A sliding "last N minutes" counter: the bucketed ring of ../bucketed-ring.ts (see its edge
 * semantics) with the binary changelog form of the state primitives. Newest bucket first, trailing
 * zeros trimmed, so an idle key is a few bytes.
 *
 * Two forms: `encode` / `decode` carry the ring's shape, `encodeCounts` / `decodeCounts` only what
 * changes (for an owner that knows the shape from its configuration, as an item feature does: the
 * shape is configuration, not state, and would be most of an idle ring's bytes).
 */
import { BucketedRing, type RingSpec } from '../bucketed-ring.ts';
import { ByteReader, ByteWriter } from './bytes.ts';

// Tags of the counts form: 0 never written; else 1 + (negative head ? 1 : 0) + (float counts ? 2 : 0).
const NEGATIVE_HEAD = 1;
const FLOAT_COUNTS = 2;

export class SlidingCounter extends BucketedRing {
  /** A counter of the given shape (see `BucketedRing.spec`). */
  static of(spec: RingSpec): SlidingCounter {
    return new SlidingCounter(spec);
  }

  /** Bytes held in memory: the bucket array and the object. */
  sizeBytes(): number {
    return (this.bucketCount + 1) * 8 + 64;
  }

  /** span, bucket, then the counts form. */
  encode(w: ByteWriter): void {
    w.uint(this.spanMs).uint(this.bucketMs);
    this.encodeCounts(w);
  }

  static decode(r: ByteReader): SlidingCounter {
    const spanMs = r.uint();
    const bucketMs = r.uint();
    return SlidingCounter.decodeCounts(r, BucketedRing.spec(spanMs, bucketMs));
  }

  /**
   * The tag, |head|, the number of buckets kept, then each (newest first). Counts are sums of
   * interaction weights, multiples of 0.5 (INTERACTION_WEIGHT), so they go as varints of twice their
   * value: a quiet bucket is one byte instead of eight. Any other value falls back to float64.
   */
  encodeCounts(w: ByteWriter): void {
    const head = this.headIndex;
    if (head === Number.NEGATIVE_INFINITY) {
      w.uint(0);
      return;
    }
    const { counts, slots } = this;
    const newest = this.slotOf(head);
    // One pass newest to oldest (the slot index steps back and wraps, no modulo per bucket): how
    // many buckets reach the oldest non-zero one, and whether all are halves. This runs for every
    // changed item at every commit.
    let kept = 0;
    let halves = true;
    for (let k = 0, s = newest; k < slots; k++, s = s === 0 ? slots - 1 : s - 1) {
      const c = counts[s];
      if (c === 0) continue;
      kept = k + 1;
      if (halves && !(c > 0 && Number.isSafeInteger(c * 2))) halves = false;
    }
    w.uint(1 + (head < 0 ? NEGATIVE_HEAD : 0) + (halves ? 0 : FLOAT_COUNTS))
      .uint(Math.abs(head))
      .uint(kept);
    if (halves) for (let k = 0, s = newest; k < kept; k++, s = s === 0 ? slots - 1 : s - 1) w.uint(counts[s] * 2);
    else for (let k = 0, s = newest; k < kept; k++, s = s === 0 ? slots - 1 : s - 1) w.f64(counts[s]);
  }

  /** Reads `encodeCounts` into a counter of shape `spec`; throws `RangeError` on malformed bytes. */
  static decodeCounts(r: ByteReader, spec: RingSpec): SlidingCounter {
    const counter = new SlidingCounter(spec);
    const tag = r.uint();
    if (tag === 0) return counter;
    if (tag > 4) throw new RangeError(`sliding counter: unknown tag ${tag}`);
    const bits = tag - 1;
    const magnitude = r.uint();
    const head = bits & NEGATIVE_HEAD ? -magnitude : magnitude;
    const kept = r.uint();
    if (kept > counter.slots) throw new RangeError(`sliding counter: ${kept} buckets, at most ${counter.slots}`);
    counter.headIndex = head;
    for (let k = 0; k < kept; k++) {
      const c = bits & FLOAT_COUNTS ? r.f64() : r.uint() / 2;
      if (!Number.isFinite(c)) throw new RangeError(`sliding counter: bucket ${k} is not finite`);
      counter.counts[counter.slotOf(head - k)] = c;
    }
    return counter;
  }
}
