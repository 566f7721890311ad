/**
 * Gap-based session windows over event time, after Kafka Streams' `SessionWindows`, simplified to
 * one open session per key: the state is a small immutable record the caller keeps in its store,
 * and `observe` is a pure function of (state, ts), so it is trivial to test and to replay.
 *
 * A session is `[start, end]` with both ends *inclusive*: they are the earliest and latest event
 * times seen in it, so a single-event session has `start === end` and lasts 0 ms.
 */

/** One session of one key. Immutable: `observe` returns a new record. */
export interface SessionState {
  /** Event time of the earliest event in the session. */
  readonly start: number;
  /** Event time of the latest event in the session (inclusive). */
  readonly end: number;
  /** Number of events merged into the session. */
  readonly events: number;
}

/**
 * The outcome of one event. On time: the (possibly new) open session, plus the session it closed
 * if the event started a new one. Late: the state is returned unchanged and the caller sends the
 * event to the late side output.
 */
export type SessionUpdate =
  | { readonly late: false; readonly state: SessionState; readonly closed?: SessionState }
  | { readonly late: true; readonly state: SessionState };

/** Length of a session in ms: `end - start` (0 for a single event; the trailing gap is not counted). */
export function durationMs(session: SessionState): number {
  return session.end - session.start;
}

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be an integer >= 0 (got ${v})`);
  return v;
}

/**
 * Session windows with an inactivity gap. For an event at `ts` and open session `[start, end]`:
 * - `start - gap <= ts <= end + gap` (gap inclusive, as in Kafka Streams): merged; the session
 *   grows to cover `ts`. This also absorbs out-of-order events that arrive within a gap of `start`.
 * - `ts > end + gap`: the open session is closed and returned as `closed`; `ts` opens a new one.
 * - `ts < start - gap`: late. It belongs to an earlier session we no longer hold open; merging it
 *   would silently join two sessions the user saw as separate.
 */
export class SessionWindows {
  private constructor(
    readonly gapMs: number,
    readonly graceMs: number,
  ) {
    Object.freeze(this);
  }

  /**
   * Sessions split by `gapMs` of inactivity (a positive integer), closing `graceMs` (an integer
   * >= 0) after they could no longer be extended. Throws `RangeError` naming the bad parameter.
   */
  static ofInactivityGapAndGrace(gapMs: number, graceMs: number): SessionWindows {
    if (!Number.isSafeInteger(gapMs) || gapMs <= 0) {
      throw new RangeError(`gapMs must be a positive integer (got ${gapMs})`);
    }
    return new SessionWindows(gapMs, nonNegativeInt('graceMs', graceMs));
  }

  /** Folds one event at `ts` into the key's open session (or `undefined` for a key with none). */
  observe(state: SessionState | undefined, ts: number): SessionUpdate {
    if (state === undefined) return { late: false, state: { start: ts, end: ts, events: 1 } };
    if (ts > state.end + this.gapMs) return { late: false, state: { start: ts, end: ts, events: 1 }, closed: state };
    // !(>=) so a NaN ts is reported late instead of poisoning start/end.
    if (!(ts >= state.start - this.gapMs)) return { late: true, state };
    return {
      late: false,
      state: {
        start: ts < state.start ? ts : state.start,
        end: ts > state.end ? ts : state.end,
        events: state.events + 1,
      },
    };
  }

  /**
   * True when `session` can be emitted as final: an on-time event (ts >= watermark) can no longer
   * extend it, and the grace has passed too, i.e. `session.end + gapMs + graceMs < watermark`.
   * Lets a stream-time punctuator flush sessions of keys that went quiet.
   */
  isClosed(session: SessionState, watermark: number): boolean {
    return session.end + this.gapMs + this.graceMs < watermark;
  }
}
