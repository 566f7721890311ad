// Prequential ("test-then-train") replay: every event is first a test of what each recommender
// would have shown that user at that moment, then a training example. Nothing is ever trained on
// the future, which is exactly the situation of a streaming recommender in production.

import { MetricAccumulator, type MetricSummary } from './metrics.ts';
import type { ReplayEvent } from './readers.ts';

export type { ReplayEvent } from './readers.ts';

/** What the replay drives: a ranker that learns online. */
export interface Recommender {
  name: string;
  /** Top `k` items for the user at time `ts` (ms), none of them in `exclude`. */
  recommend(userId: string, k: number, ts: number, exclude: ReadonlySet<string>): string[] | Promise<string[]>;
  /** Learns from one event, after it has been scored. */
  learn(event: ReplayEvent): void | Promise<void>;
  /** Events this recommender learned before (a resumed replay): they are neither scored nor learned again. */
  readonly position?: number;
}

/** Per-recommender outcome of a replay. */
export interface PrequentialResult extends MetricSummary {
  name: string;
  /** events replayed (scored or not) */
  events: number;
  /** events per second of this recommender's own recommend + learn time */
  events_per_sec: number;
  /** 1 per scored event that was a hit, 0 otherwise, in replay order (for charts) */
  hits: Uint8Array;
}

/** Options of {@link runPrequential}. */
export interface PrequentialOptions {
  k?: number;
  /** called every `progressEvery` events with the number done */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/**
 * Replays `events` (already in time order) through every recommender. An event is scored only if
 * its user had not interacted with its item before: re-rating a seen item is learned, not scored,
 * because a recommender must never propose what the user already has. The exclusion set passed
 * to `recommend` is that user's items so far. Users without history are scored too.
 */
export async function runPrequential(
  events: readonly ReplayEvent[],
  recommenders: readonly Recommender[],
  options: PrequentialOptions = {},
): Promise<PrequentialResult[]> {
  const k = options.k ?? 10;
  const every = options.progressEvery ?? 5000;
  const acc = recommenders.map(() => new MetricAccumulator(k));
  const time = recommenders.map(() => 0);
  const hits = recommenders.map(() => new Uint8Array(events.length));
  const history = new Map<string, Set<string>>();
  let scored = 0;
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    let seen = history.get(ev.userId);
    if (seen === undefined) {
      seen = new Set();
      history.set(ev.userId, seen);
    }
    const score = !seen.has(ev.itemId);
    for (let r = 0; r < recommenders.length; r++) {
      const rec = recommenders[r];
      if (e < (rec.position ?? 0)) {
        acc[r].seeItem(ev.itemId);
        continue;
      }
      const t0 = performance.now();
      if (score) {
        const out = rec.recommend(ev.userId, k, ev.ts, seen);
        const list = isPromise(out) ? await out : out;
        if (acc[r].record(list, ev.itemId) >= 0) hits[r][scored] = 1;
      }
      const l = rec.learn(ev);
      if (isPromise(l)) await l;
      time[r] += performance.now() - t0;
      acc[r].seeItem(ev.itemId);
    }
    if (score) scored++;
    seen.add(ev.itemId);
    if (options.onProgress && (e + 1) % every === 0) options.onProgress(e + 1, events.length);
  }
  if (options.onProgress && events.length % every !== 0) options.onProgress(events.length, events.length);
  return recommenders.map((rec, r) => ({
    name: rec.name,
    ...acc[r].summary(),
    events: events.length,
    events_per_sec: time[r] > 0 ? (events.length * 1000) / time[r] : 0,
    hits: hits[r].slice(0, scored),
  }));
}

/** Number of distinct users and items in a log (for the replay summary line). */
export function countDistinct(events: readonly ReplayEvent[]): { users: number; items: number } {
  const users = new Set<string>();
  const items = new Set<string>();
  for (const e of events) {
    users.add(e.userId);
    items.add(e.itemId);
  }
  return { users: users.size, items: items.size };
}
