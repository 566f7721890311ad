/**
 * The shape every sliding-window feature shares (Metarank's WindowInteractionCountFeature): a
 * sliding counter of a fixed span, and the amount an interaction of each type adds to it. A window
 * file is then its name, its span and what it counts.
 */
import { EVENT_TYPES, type EventType } from '../../events/schema.ts';
import { BucketedRing } from '../../stream/bucketed-ring.ts';
import { SlidingCounter } from '../../stream/state/sliding-counter.ts';
import { itemFeature, type ItemFeature } from './feature.ts';

export interface WindowCountOptions<N extends string> {
  /** The field of the features API, e.g. `clicks_10m`. */
  readonly name: N;
  readonly spanMs: number;
  /** Bucket width: the window's granularity at each end (see BucketedRing). */
  readonly bucketMs: number;
  /** What an interaction of `type` adds (0: it does not count here). */
  readonly amount: (type: EventType) => number;
}

/** A feature counting interactions over the last `spanMs` of stream time. */
export function windowCount<N extends string>(options: WindowCountOptions<N>): ItemFeature<SlidingCounter, N, number> {
  // Validated once, where the feature is declared: a bad span fails at start-up, not per event.
  const spec = BucketedRing.spec(options.spanMs, options.bucketMs);
  // What each type adds, resolved once: the update is then one table read (a hot-path choice at setup).
  const amounts = Object.fromEntries(EVENT_TYPES.map((type) => [type, options.amount(type)])) as Record<EventType, number>;
  return itemFeature({
    name: options.name,
    init: () => SlidingCounter.of(spec),
    // The span is the feature's, so the changelog holds only the head and the buckets.
    decode: (r) => SlidingCounter.decodeCounts(r, spec),
    encode: (counter, w) => counter.encodeCounts(w),
    update(counter, { type, ts }) {
      const by = amounts[type];
      return by === 0 || counter.add(ts, by);
    },
    value: (counter, now) => counter.sum(now),
  });
}

/** Windows share two shapes: ten minutes in 10 s buckets, an hour in 1 min buckets. */
export const TEN_MINUTES = { spanMs: 10 * 60_000, bucketMs: 10_000 } as const;
export const ONE_HOUR = { spanMs: 60 * 60_000, bucketMs: 60_000 } as const;
