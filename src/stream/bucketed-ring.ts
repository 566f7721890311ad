/**
 * A sliding "last N minutes" counter at bucket granularity: the span (say 10 min) is cut into
 * `span / bucket` buckets (say 60 x 10 s) held in a ring, so memory is fixed and both `add` and
 * `sum` are O(buckets) worst case with no allocation.
 *
 * Buckets are aligned to epoch 0: bucket `i` (its "epoch index") covers `[i * bucketMs,
 * (i + 1) * bucketMs)` of event time. The ring remembers the index of its newest bucket (`head`).
 *
 * Edge semantics, precisely (b = bucketMs, span = spanMs, n = span / b):
 * - `sum(now)` adds every bucket whose range overlaps `(now - span, now]`. That is buckets
 *   `floor(now / b) - n` .. `floor(now / b)`: n + 1 of them, because unless `now` is the last ms
 *   of a bucket the oldest overlapping bucket is only partly inside the span. The result
 *   therefore counts events in `[floor((now - span) / b) * b, (floor(now / b) + 1) * b)`: a
 *   superset of `(now - span, now]` by less than one bucket at each end (the granularity cost).
 * - To answer that, the ring keeps n + 1 buckets: `head - n` .. `head`.
 * - `add(ts)` rejects (returns false) an event whose bucket is older than `head - n`, i.e.
 *   `ts < head * b - span`: no `sum` at or after the newest bucket could include it. The caller
 *   counts it as late.
 * - Time moves forward only through event time: `add` with a newer bucket (or `advanceTo`) moves
 *   `head` and zeroes the buckets that fell out. A jump of more than the ring clears it all.
 */

/** The shape of a ring: total span and bucket width, in ms. Build with `BucketedRing.spec`. */
export interface RingSpec {
  readonly spanMs: number;
  readonly bucketMs: number;
}

/** Compact serialized form. `counts[k]` is bucket `head - k` (newest first; trailing zeros trimmed). */
export interface RingJSON {
  readonly spanMs: number;
  readonly bucketMs: number;
  /** Epoch index of the newest bucket, or null for a ring that has never seen an event. */
  readonly head: number | null;
  readonly counts: number[];
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer (got ${v})`);
  return v;
}

/** Specs made by `BucketedRing.spec`: valid and frozen. */
const VALIDATED = new WeakSet<RingSpec>();

/** Sliding-window counter over event time; see the module docs for the exact edge semantics. */
export class BucketedRing {
  readonly spanMs: number;
  readonly bucketMs: number;
  /** span / bucket: the number of buckets a span is made of. */
  readonly bucketCount: number;
  // n + 1 slots: the extra one holds the partially-overlapping oldest bucket (see module docs).
  // Protected, not private: the state primitive SlidingCounter encodes them without a JSON copy.
  protected readonly counts: Float64Array;
  protected readonly slots: number;
  // -Infinity means "never written": every comparison below then does the right thing unbranched
  // (any bucket is newer, the first advance clears everything, nothing is late).
  protected headIndex = Number.NEGATIVE_INFINITY;

  constructor(spec: RingSpec) {
    // Re-validate: a RingSpec may be a plain object literal that never went through the factory
    // (one that did is known, so that decoding a million rings does not validate a million times).
    const { spanMs, bucketMs } = VALIDATED.has(spec) ? spec : BucketedRing.spec(spec.spanMs, spec.bucketMs);
    this.spanMs = spanMs;
    this.bucketMs = bucketMs;
    this.bucketCount = spanMs / bucketMs;
    this.slots = this.bucketCount + 1;
    this.counts = new Float64Array(this.slots);
  }

  /**
   * A validated, frozen `RingSpec`. Both values must be positive integers and `spanMs` a multiple
   * of `bucketMs`, so buckets tile the span exactly (otherwise "last N minutes" would silently be
   * some other span). Throws `RangeError` naming the offending parameter.
   */
  static spec(spanMs: number, bucketMs: number): RingSpec {
    positiveInt('spanMs', spanMs);
    positiveInt('bucketMs', bucketMs);
    if (spanMs % bucketMs !== 0) {
      throw new RangeError(`spanMs must be a multiple of bucketMs (got spanMs=${spanMs}, bucketMs=${bucketMs})`);
    }
    const spec = Object.freeze({ spanMs, bucketMs });
    VALIDATED.add(spec);
    return spec;
  }

  /** Epoch index of the newest bucket, or null if nothing was ever added. */
  get head(): number | null {
    return this.headIndex === Number.NEGATIVE_INFINITY ? null : this.headIndex;
  }

  /**
   * Adds `amount` to the bucket holding event time `ts`, moving the ring forward if `ts` is newer
   * than the head. Returns false (and changes nothing) for an event too old for the ring, or a
   * non-finite `ts`; the caller counts that as late.
   */
  add(ts: number, amount = 1): boolean {
    const idx = Math.floor(ts / this.bucketMs);
    // A NaN or infinite ts would otherwise move the head to a place no real event can follow.
    if (!Number.isFinite(idx)) return false;
    if (idx > this.headIndex) this.moveHead(idx);
    else if (idx < this.headIndex - this.bucketCount) return false;
    this.counts[this.slotOf(idx)] += amount;
    return true;
  }

  /**
   * Moves the head to the bucket holding `ts` (no-op if it is not newer), zeroing buckets that fall
   * out. Lets a stream-time punctuator expire old counts for keys that stop receiving events.
   */
  advanceTo(ts: number): void {
    const idx = Math.floor(ts / this.bucketMs);
    if (Number.isFinite(idx) && idx > this.headIndex) this.moveHead(idx);
  }

  /**
   * Total of the buckets overlapping `(now - spanMs, now]`. Pure: it never moves the head, so
   * reads can't race writes into dropping data. Buckets newer than the head count as 0; asking
   * about a `now` older than the head only sees the buckets the ring still holds.
   */
  sum(now: number): number {
    const hi = Math.floor(now / this.bucketMs);
    const lo = Math.max(hi - this.bucketCount, this.headIndex - this.bucketCount);
    const top = Math.min(hi, this.headIndex);
    let total = 0;
    for (let i = lo; i <= top; i++) total += this.counts[this.slotOf(i)];
    return total;
  }

  /** Compact JSON: newest bucket first, trailing (oldest) zeros trimmed; an idle key is a few bytes. */
  toJSON(): RingJSON {
    const out: number[] = [];
    if (this.headIndex !== Number.NEGATIVE_INFINITY) {
      for (let k = 0; k < this.slots; k++) out.push(this.counts[this.slotOf(this.headIndex - k)]);
      while (out.length > 0 && out[out.length - 1] === 0) out.pop();
    }
    return { spanMs: this.spanMs, bucketMs: this.bucketMs, head: this.head, counts: out };
  }

  /** Rebuilds a ring from `toJSON` output; throws `RangeError` on a malformed value. */
  static fromJSON<R extends BucketedRing>(this: new (spec: RingSpec) => R, json: RingJSON): R {
    // `new this`: a subclass (the state primitive SlidingCounter) gets an instance of itself.
    const ring = new this(json);
    const { head, counts } = json;
    if (!Array.isArray(counts) || counts.length > ring.slots) {
      throw new RangeError(`counts must be an array of at most ${ring.slots} numbers`);
    }
    if (head === null) {
      if (counts.length > 0) throw new RangeError('counts must be empty when head is null');
      return ring;
    }
    if (!Number.isSafeInteger(head)) throw new RangeError(`head must be an integer or null (got ${head})`);
    ring.headIndex = head;
    for (let k = 0; k < counts.length; k++) {
      const c = counts[k];
      if (typeof c !== 'number' || !Number.isFinite(c)) throw new RangeError(`counts[${k}] must be a finite number`);
      ring.counts[ring.slotOf(head - k)] = c;
    }
    return ring;
  }

  private moveHead(idx: number): void {
    // A jump of a whole ring or more (including the first write, from -Infinity) clears everything.
    if (idx - this.headIndex >= this.slots) this.counts.fill(0);
    else for (let i = this.headIndex + 1; i <= idx; i++) this.counts[this.slotOf(i)] = 0;
    this.headIndex = idx;
  }

  protected slotOf(idx: number): number {
    // Double modulo keeps slots non-negative for pre-1970 (negative) bucket indices.
    return ((idx % this.slots) + this.slots) % this.slots;
  }
}
