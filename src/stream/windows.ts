/**
 * Fixed-size event-time windows, modelled on Kafka Streams' `TimeWindows`: immutable values built
 * by validating named factories, with a pure `windowsFor(ts)`. All times are epoch milliseconds of
 * *event* time; nothing here reads a clock (see ARCHITECTURE.md, "Time").
 *
 * Windows are aligned to epoch 0, so every instance in the cluster agrees on boundaries without
 * coordination (a window keyed by its start is the same window on every partition).
 */

/** A half-open time range `[start, end)` in epoch ms. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** What every fixed-size window definition offers; lets callers hold tumbling or hopping alike. */
export interface FixedWindows {
  readonly sizeMs: number;
  readonly graceMs: number;
  /** Every window containing `ts`, ordered by start. Pure: same input, same output. */
  windowsFor(ts: number): Window[];
  /** True once no on-time event can still land in `window` (see the class docs for the rule). */
  isClosed(window: Window, watermark: number): boolean;
}

// Kept local (not imported from a shared helper) so this file stays dependency-free; messages name
// the parameter so a config error points at the field that caused it.
function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer (got ${v})`);
  return v;
}
function nonNegativeInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be an integer >= 0 (got ${v})`);
  return v;
}

/** Floor-aligned start of the `unit`-sized slot holding `ts`; correct for negative `ts` too. */
function alignDown(ts: number, unit: number): number {
  return Math.floor(ts / unit) * unit;
}

/**
 * Non-overlapping windows of `sizeMs`: each event belongs to exactly one window,
 * `[floor(ts / size) * size, that + size)`.
 *
 * Closing: a window is closed when `window.end + graceMs <= watermark`. The watermark already
 * subtracts the stream's allowed lateness; grace is an extra, per-window allowance on top.
 */
export class TumblingWindows implements FixedWindows {
  private constructor(
    readonly sizeMs: number,
    readonly graceMs: number,
  ) {
    Object.freeze(this);
  }

  /** Windows of `sizeMs` with no grace. Throws `RangeError` unless `sizeMs` is a positive integer. */
  static ofSize(sizeMs: number): TumblingWindows {
    return new TumblingWindows(positiveInt('sizeMs', sizeMs), 0);
  }

  /** Same size, with `graceMs` (an integer >= 0); returns a new value, this one is unchanged. */
  withGrace(graceMs: number): TumblingWindows {
    return new TumblingWindows(this.sizeMs, nonNegativeInt('graceMs', graceMs));
  }

  /**
   * Start of the one window holding `ts`. The allocation-free fast path: per-event aggregation can
   * key by this number and only build a `Window` when emitting.
   */
  startFor(ts: number): number {
    return alignDown(ts, this.sizeMs);
  }

  /** The single window containing `ts` (as a one-element array, to share the `FixedWindows` shape). */
  windowsFor(ts: number): Window[] {
    const start = alignDown(ts, this.sizeMs);
    return [{ start, end: start + this.sizeMs }];
  }

  /** True when `window.end + graceMs <= watermark`. */
  isClosed(window: Window, watermark: number): boolean {
    return window.end + this.graceMs <= watermark;
  }
}

/**
 * Overlapping windows of `sizeMs` starting every `advanceMs`, aligned to epoch 0: starts are the
 * multiples of `advanceMs`. An event at `ts` belongs to every window with
 * `start <= ts < start + sizeMs`.
 *
 * When `sizeMs % advanceMs === 0` each event lands in exactly `sizeMs / advanceMs` windows. When it
 * is not, the count alternates between `floor(size / advance)` and `ceil(size / advance)` depending
 * on where `ts` falls; that is inherent to the geometry, not an approximation.
 *
 * Closing follows the same rule as `TumblingWindows`: `window.end + graceMs <= watermark`.
 */
export class HoppingWindows implements FixedWindows {
  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {
    Object.freeze(this);
  }

  /**
   * Windows of `sizeMs` every `advanceMs`, no grace. Both must be positive integers and
   * `advanceMs <= sizeMs` (a larger advance would leave gaps where events belong to no window).
   */
  static ofSizeAndAdvance(sizeMs: number, advanceMs: number): HoppingWindows {
    positiveInt('sizeMs', sizeMs);
    if (!Number.isSafeInteger(advanceMs) || advanceMs <= 0 || advanceMs > sizeMs) {
      throw new RangeError(`advanceMs must be > 0 and <= sizeMs (got advanceMs=${advanceMs}, sizeMs=${sizeMs})`);
    }
    return new HoppingWindows(sizeMs, advanceMs, 0);
  }

  /** Same size and advance, with `graceMs` (an integer >= 0); returns a new value. */
  withGrace(graceMs: number): HoppingWindows {
    return new HoppingWindows(this.sizeMs, this.advanceMs, nonNegativeInt('graceMs', graceMs));
  }

  /** Every window containing `ts`, ordered by start (oldest first). */
  windowsFor(ts: number): Window[] {
    const size = this.sizeMs;
    const advance = this.advanceMs;
    const last = alignDown(ts, advance);
    // The earliest start still covering ts is the first multiple of advance strictly after ts - size.
    const first = alignDown(ts - size, advance) + advance;
    const out: Window[] = [];
    for (let start = first; start <= last; start += advance) out.push({ start, end: start + size });
    return out;
  }

  /** True when `window.end + graceMs <= watermark`. */
  isClosed(window: Window, watermark: number): boolean {
    return window.end + this.graceMs <= watermark;
  }
}
