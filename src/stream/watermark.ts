/**
 * Event-time watermarks: "no event older than this is still expected". Per ARCHITECTURE.md the
 * watermark is the highest event time seen minus the allowed lateness. Everything here is driven
 * by the event timestamps passed in; nothing reads the wall clock, so replays and tests behave
 * exactly like production.
 */

/** Watermark of one stream or partition. Monotonic: it never moves backwards. */
export class Watermark {
  readonly allowedLatenessMs: number;
  private maxTs = Number.NEGATIVE_INFINITY;
  private late = 0;

  /** `allowedLatenessMs` must be an integer >= 0; throws `RangeError` otherwise. */
  constructor(allowedLatenessMs: number) {
    if (!Number.isSafeInteger(allowedLatenessMs) || allowedLatenessMs < 0) {
      throw new RangeError(`allowedLatenessMs must be an integer >= 0 (got ${allowedLatenessMs})`);
    }
    this.allowedLatenessMs = allowedLatenessMs;
  }

  /**
   * Records an event and returns true if it was late, judged against the watermark *before* it
   * (an event never makes itself late). Late events still count toward `lateCount` so they are
   * reported, not silently lost; the caller routes them to the side output.
   */
  observe(eventTs: number): boolean {
    if (this.isLate(eventTs)) {
      this.late++;
      return true;
    }
    if (eventTs > this.maxTs) this.maxTs = eventTs;
    return false;
  }

  /**
   * Moves stream time forward to `ts` without an event: a restored commit, or idleness following
   * the wall clock. Never moves it back.
   */
  advanceTo(ts: number): void {
    if (ts > this.maxTs) this.maxTs = ts;
  }

  /** Current watermark: max event time seen minus allowed lateness; -Infinity before any event. */
  current(): number {
    return this.maxTs - this.allowedLatenessMs;
  }

  /** Highest event time seen so far ("stream time"); -Infinity before any event. */
  maxEventTs(): number {
    return this.maxTs;
  }

  /** True when `ts < current()`. A NaN `ts` also counts as late, so garbage goes to the side output. */
  isLate(ts: number): boolean {
    return !(ts >= this.maxTs - this.allowedLatenessMs);
  }

  /** Number of events `observe` judged late. */
  get lateCount(): number {
    return this.late;
  }
}

/**
 * Watermark of an operator reading several partitions: the minimum of theirs (as in Flink and
 * Kafka Streams), because an event may still arrive on the slowest one. A partition that has seen
 * nothing holds the result at -Infinity, on purpose: we cannot know it won't deliver old events.
 * An empty list also yields -Infinity, so "no inputs" never closes every window at once.
 */
export function mergeWatermarks(list: ReadonlyArray<Watermark | number>): number {
  if (list.length === 0) return Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (const w of list) {
    const v = typeof w === 'number' ? w : w.current();
    if (v < min) min = v;
  }
  return min;
}
