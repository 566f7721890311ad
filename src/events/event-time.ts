/**
 * Which event times eddy trusts. Stream time is the highest event time accepted, so a single event
 * from a clock set to 2031 (or `1e308`) would otherwise make every later event late and every
 * window read zero. The same rule Kafka's `message.timestamp.after.max.ms` and
 * `message.timestamp.before.max.ms` apply at the broker: an event too far ahead of the receiving
 * instance's clock, or older than a fixed floor (epoch 0, seconds sent as milliseconds), is rejected
 * with an error naming `/timestamp`.
 */

/** Bounds on event timestamps, checked at ingest and again when a processor decodes a record. */
export interface EventTimePolicy {
  /** Largest amount an event may be ahead of the wall clock of the instance that checks it. */
  readonly maxFutureSkewMs: number;
  /** Earliest event time accepted, epoch ms. */
  readonly minTimestampMs: number;
}

/** 5 minutes of clock skew; nothing before 2000-01-01T00:00:00Z. */
export const DEFAULT_EVENT_TIME: EventTimePolicy = {
  maxFutureSkewMs: 5 * 60_000,
  minTimestampMs: Date.UTC(2000, 0, 1),
};

/** For replays of historical data sets (MovieLens starts in 1996) checked against no clock. */
export const HISTORICAL_EVENT_TIME: EventTimePolicy = {
  maxFutureSkewMs: Number.POSITIVE_INFINITY,
  minTimestampMs: 0,
};

/**
 * Checks one event time against the policy at wall-clock time `nowMs`; returns the error line for
 * `/timestamp`, or undefined when the time is acceptable.
 */
export function checkEventTime(ts: number, nowMs: number, policy: EventTimePolicy): string | undefined {
  if (ts > nowMs + policy.maxFutureSkewMs) {
    return `/timestamp: is ${formatSkew(ts - nowMs)} ahead of this instance's clock (at most ${formatSkew(policy.maxFutureSkewMs)} allowed)`;
  }
  if (ts < policy.minTimestampMs) return `/timestamp: is before ${new Date(policy.minTimestampMs).toISOString()}, the earliest event time accepted`;
  return undefined;
}

function formatSkew(ms: number): string {
  if (!Number.isFinite(ms) || ms > 365 * 86_400_000) return 'more than a year';
  if (ms >= 86_400_000) return `${Math.round(ms / 86_400_000)} d`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}
