/**
 * What the ramp reads from the instance itself: its `/metrics` (Prometheus text, on the `--url`
 * origin like every other request). Consumer lag is the `eddy_consumer_lag` gauge summed over
 * partitions; freshness (ingest -> visible in features) comes from the cumulative buckets of
 * `eddy_event_to_feature_seconds`, so the p99 of any interval is the quantile of the difference of
 * two scrapes, like Prometheus' `histogram_quantile(0.99, increase(..._bucket[interval]))`.
 */
import { histogramQuantile } from '../serving/stats-route.ts';
import type { Endpoint } from './http.ts';

/** Cumulative bucket counts by upper bound in seconds (`Infinity` for `+Inf`). */
export type Buckets = Map<number, number>;

/** One scrape; a null field is a metric the instance does not export (a role without processing). */
export interface ServerSample {
  /** `performance.now()` when the answer arrived. */
  at: number;
  lag: number | null;
  freshness: Buckets | null;
  processed: number | null;
}

/** A scrape must not stretch a step: an instance too slow to answer counts as not measured. */
const SCRAPE_TIMEOUT_MS = 2000;
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;

/** The three figures out of a Prometheus text exposition. */
export function parseServerMetrics(text: string): Omit<ServerSample, 'at'> {
  let lag: number | null = null;
  let processed: number | null = null;
  let freshness: Buckets | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith('eddy_')) continue;
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, name, labels = '', raw] = match;
    const value = Number(raw);
    if (!Number.isFinite(value)) continue;
    if (name === 'eddy_consumer_lag') lag = (lag ?? 0) + value;
    else if (name === 'eddy_events_processed_total') processed = (processed ?? 0) + value;
    else if (name === 'eddy_event_to_feature_seconds_bucket') {
      const le = /(?:^|,)le="([^"]*)"/.exec(labels)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      freshness ??= new Map();
      freshness.set(bound, (freshness.get(bound) ?? 0) + value);
    }
  }
  return { lag, freshness, processed };
}

/** Scrapes `/metrics` below the endpoint's base URL; undefined when it does not answer 200 in time. */
export async function scrapeServer(endpoint: Endpoint, signal: AbortSignal): Promise<ServerSample | undefined> {
  try {
    const reply = await endpoint.request('GET', endpoint.url('metrics'), undefined, AbortSignal.any([signal, AbortSignal.timeout(SCRAPE_TIMEOUT_MS)]));
    if (reply.status !== 200 || typeof reply.body !== 'string') return undefined;
    return { at: performance.now(), ...parseServerMetrics(reply.body) };
  } catch {
    return undefined;
  }
}

/**
 * Freshness between two scrapes: the p99 in milliseconds (null without observations; an answer in
 * the `+Inf` bucket reads as the highest finite bound, 10 s today) and the number of observations.
 * Undefined when either scrape lacks the histogram.
 */
export function freshnessBetween(before: ServerSample | undefined, after: ServerSample | undefined): { p99Ms: number | null; count: number } | undefined {
  if (before?.freshness == null || after?.freshness == null) return undefined;
  const increase: Buckets = new Map();
  for (const [bound, n] of after.freshness) increase.set(bound, Math.max(0, n - (before.freshness.get(bound) ?? 0)));
  const count = increase.get(Infinity) ?? 0;
  const p99 = histogramQuantile(0.99, increase);
  return { p99Ms: p99 === null ? null : Math.round(p99 * 1e6) / 1e3, count };
}
