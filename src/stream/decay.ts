/**
 * Exponential time decay, used for category affinity and co-visitation recency: a score keeps one
 * number and the event time it is valid at, and is decayed lazily when touched or read, so no
 * background job ever rewrites old scores. All times are event times in ms.
 *
 * value(t) = value(t0) * exp(-lambda * (t - t0)), with lambda = ln 2 / halfLife.
 */

/** A decayed score: `value` is exact as of event time `ts`. Immutable. */
export interface DecayedScore {
  readonly value: number;
  readonly ts: number;
}

/** Decay rate per ms for a half-life, so config can speak in half-lives. Throws `RangeError`. */
export function halfLifeToLambda(halfLifeMs: number): number {
  if (!Number.isFinite(halfLifeMs) || halfLifeMs <= 0) {
    throw new RangeError(`halfLifeMs must be a positive finite number (got ${halfLifeMs})`);
  }
  return Math.LN2 / halfLifeMs;
}

/**
 * `value` as of `fromTs`, decayed to `toTs`. A `toTs` earlier than `fromTs` counts as 0 elapsed:
 * decaying "backwards" would make a score grow, which out-of-order reads must never cause.
 */
export function decayTo(value: number, fromTs: number, toTs: number, lambda: number): number {
  const elapsed = toTs - fromTs;
  return elapsed > 0 ? value * Math.exp(-lambda * elapsed) : value;
}

/**
 * Adds `amount` at event time `ts` to `score` (or starts one) and returns a new record; the input
 * is untouched. The result is valid at the newer of the two times: an in-order event decays the
 * old value up to `ts`, while an out-of-order (older) event adds its amount decayed to
 * `score.ts`, so arrival order does not change the result.
 */
export function addDecayed(
  score: DecayedScore | undefined,
  amount: number,
  ts: number,
  lambda: number,
): DecayedScore {
  if (score === undefined) return { value: amount, ts };
  if (ts >= score.ts) return { value: decayTo(score.value, score.ts, ts, lambda) + amount, ts };
  return { value: score.value + decayTo(amount, ts, score.ts, lambda), ts: score.ts };
}

/** `score` read at event time `ts` (never grows for a `ts` before `score.ts`); 0 for no score. */
export function scoreAt(score: DecayedScore | undefined, ts: number, lambda: number): number {
  return score === undefined ? 0 : decayTo(score.value, score.ts, ts, lambda);
}
