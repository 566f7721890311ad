/**
 * A sliding "last N minutes" counter: the bucketed ring of ../bucketed-ring.ts (see its edge
 * semantics) with the binary changelog form of the state primitives. Newest bucket first, trailing
 * zeros trimmed, so an idle key is a few bytes.
 */
import { BucketedRing, type RingSpec } from '../bucketed-ring.ts';
import { ByteReader, ByteWriter } from './bytes.ts';

export class SlidingCounter extends BucketedRing {
  /** A counter of the given shape (see `BucketedRing.spec`). */
  static of(spec: RingSpec): SlidingCounter {
    return new SlidingCounter(spec);
  }

  /** Bytes held in memory: the bucket array and the object. */
  sizeBytes(): number {
    return (this.bucketCount + 1) * 8 + 64;
  }

  /** span, bucket, then a 0 tag (never written) or 1, the head index and the trimmed buckets. */
  encode(w: ByteWriter): void {
    const json = this.toJSON();
    w.uint(json.spanMs).uint(json.bucketMs);
    if (json.head === null) {
      w.uint(0);
      return;
    }
    w.uint(1).f64(json.head).uint(json.counts.length);
    // Counts are sums of interaction weights: small integers or halves, exact in a float64.
    for (const c of json.counts) w.f64(c);
  }

  static decode(r: ByteReader): SlidingCounter {
    const spanMs = r.uint();
    const bucketMs = r.uint();
    const written = r.uint() === 1;
    const head = written ? r.f64() : null;
    const counts: number[] = [];
    if (written) for (let n = r.uint(), i = 0; i < n; i++) counts.push(r.f64());
    return SlidingCounter.fromJSON({ spanMs, bucketMs, head, counts });
  }
}
