/**
 * `GET /v1/stats`: one JSON summary for the built-in dashboard (web/index.html), so that the page
 * needs no Prometheus text parsing. Everything comes from the instance's own metrics registry plus
 * the feature store (trending), the same sources as `/metrics` and `/v1/trending`.
 *
 * Rates and the latency quantiles are over the last minute: a timer samples the counters and the
 * histograms' cumulative buckets once a second into a small ring (61 samples), and the answer
 * subtracts the oldest sample from the current values, like Prometheus' `rate()` and
 * `histogram_quantile(q, rate(..._bucket[1m]))`. When nothing was observed in the last minute the
 * quantiles fall back to everything since the start (`"over": "since_start"`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Histogram } from 'prom-client';
import type { ServedInstance } from './served-instance.ts';
import { authorize, type Scope } from './auth.ts';
import { trendingItems } from './trending.ts';

/** Routes whose requests are not "serving" (the dashboard's own polling). */
const NOT_SERVING = new Set(['/v1/stats']);
const RING = 61;
const SAMPLE_EVERY_MS = 1000;

/** Cumulative bucket counts by upper bound (`Infinity` last), as in Prometheus. */
type Buckets = Map<number, number>;

interface Sample {
  readonly t: number;
  readonly ingested: number;
  readonly processed: number;
  readonly freshness: Buckets;
  readonly serving: Buckets;
}

export interface QuantileSummary {
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  /** Observations the quantiles are computed from. */
  readonly count: number;
  readonly over: 'last_60s' | 'since_start';
}

export interface StatsResponse {
  readonly generated_at: string;
  readonly uptime_s: number;
  readonly ready: boolean;
  readonly counters: {
    readonly ingested: number;
    readonly processed: number;
    readonly rejected: number;
    readonly duplicates: number;
    readonly dead_letter: number;
    readonly late: number;
    readonly overloaded: number;
    readonly feature_store_fallback: number;
    readonly http_requests: number;
    readonly http_5xx: number;
  };
  readonly rates: { readonly window_s: number; readonly ingested_per_s: number; readonly processed_per_s: number };
  /** Per-second rates of the last minute, oldest first (for the live chart). */
  readonly series: { readonly t: number; readonly ingested_per_s: number; readonly processed_per_s: number }[];
  /** `stale`: the log (Kafka) did not answer, the figures are the last it gave. */
  readonly lag: { readonly total: number; readonly max_partition: number; readonly stale: boolean; readonly partitions: { topic: string; partition: number; lag: number }[] };
  /** The instance's dependencies (Redis, Kafka) and whether each answers now; empty when embedded. */
  readonly dependencies: Readonly<Record<string, 'up' | 'down'>>;
  /** Ingest -> committed in features (`eddy_event_to_feature_seconds`). */
  readonly freshness: QuantileSummary;
  /** Serving routes (`eddy_serving_latency_seconds`, every route but `/v1/stats`). */
  readonly serving_latency: QuantileSummary;
  readonly trending: { readonly window: '10m'; readonly items: { content_id: string; count: number; category?: string }[] };
}

async function counterValue(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  const { values } = await metric.get();
  let sum = 0;
  for (const v of values) sum += v.value;
  return sum;
}

/** Sums a histogram's cumulative buckets over its label sets, skipping the routes `skip` names. */
async function buckets(histogram: Histogram<string>, skip?: ReadonlySet<string>): Promise<Buckets> {
  const out: Buckets = new Map();
  const { values } = await histogram.get();
  for (const v of values) {
    if (!v.metricName?.endsWith('_bucket')) continue;
    const labels = v.labels as Record<string, string | number | undefined>;
    if (skip !== undefined && typeof labels.route === 'string' && skip.has(labels.route)) continue;
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    out.set(le, (out.get(le) ?? 0) + v.value);
  }
  return out;
}

function subtract(now: Buckets, before: Buckets | undefined): Buckets {
  if (before === undefined) return now;
  const out: Buckets = new Map();
  for (const [le, n] of now) out.set(le, Math.max(0, n - (before.get(le) ?? 0)));
  return out;
}

/** Prometheus' histogram_quantile: linear interpolation inside the bucket holding rank q*count. */
export function histogramQuantile(q: number, cumulative: Buckets): number | null {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  if (bounds.length === 0) return null;
  const total = cumulative.get(bounds[bounds.length - 1]) ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bound of bounds) {
    const count = cumulative.get(bound) ?? 0;
    if (count >= rank) {
      // The +Inf bucket: answer the highest finite bound, as Prometheus does.
      if (bound === Infinity) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + (bound - lowerBound) * ((rank - lowerCount) / (count - lowerCount));
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

function total(b: Buckets): number {
  return b.get(Infinity) ?? 0;
}

function summary(now: Buckets, before: Buckets | undefined): QuantileSummary {
  const recent = subtract(now, before);
  const useRecent = before !== undefined && total(recent) > 0;
  const b = useRecent ? recent : now;
  const ms = (s: number | null): number | null => (s === null ? null : Math.round(s * 1e6) / 1e3);
  return { p50_ms: ms(histogramQuantile(0.5, b)), p99_ms: ms(histogramQuantile(0.99, b)), count: total(b), over: useRecent ? 'last_60s' : 'since_start' };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Registers `GET /v1/stats` on `app` (call before `listen`/`ready`). With API keys, it needs the
 * `read` scope like `/v1/trending` (it names trending items); without keys it is open.
 */
export function registerStatsRoute(app: FastifyInstance, instance: ServedInstance, apiKeys?: ReadonlyMap<string, ReadonlySet<Scope>>): void {
  const { metrics } = instance;
  const keys = apiKeys ?? new Map<string, ReadonlySet<Scope>>();
  const startedAt = Date.now();
  const ring: Sample[] = [];

  const sample = async (): Promise<Sample> => ({
    t: Date.now(),
    ingested: await counterValue(metrics.eventsIngested),
    processed: await counterValue(metrics.eventsProcessed),
    freshness: await buckets(metrics.processingFreshness),
    serving: await buckets(metrics.servingLatency as Histogram<string>, NOT_SERVING),
  });
  const record = async (): Promise<Sample> => {
    const s = await sample();
    ring.push(s);
    if (ring.length > RING) ring.splice(0, ring.length - RING);
    return s;
  };

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await record();
    timer = setInterval(() => void record().catch(() => undefined), SAMPLE_EVERY_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer !== undefined) clearInterval(timer);
  });

  const onRequest = async (request: FastifyRequest): Promise<void> => authorize(keys, request.headers.authorization, 'read');

  app.get('/v1/stats', { onRequest }, async (): Promise<StatsResponse> => {
    const now = await sample();
    // The oldest sample within the last minute (plus a little slack for timer jitter).
    const oldest = ring.find((s) => now.t - s.t <= 61_000);
    const span = oldest === undefined ? 0 : (now.t - oldest.t) / 1000;
    const rate = (a: number, b: number, secs: number): number => (secs > 0 ? round2(Math.max(0, a - b) / secs) : 0);

    const series: StatsResponse['series'] = [];
    const points = [...ring.filter((s) => now.t - s.t <= 61_000), now];
    for (let i = 1; i < points.length; i++) {
      const dt = (points[i].t - points[i - 1].t) / 1000;
      if (dt < 0.2) continue;
      series.push({
        t: points[i].t,
        ingested_per_s: rate(points[i].ingested, points[i - 1].ingested, dt),
        processed_per_s: rate(points[i].processed, points[i - 1].processed, dt),
      });
    }

    const { values: http } = await metrics.httpRequests.get();
    let httpTotal = 0;
    let http5xx = 0;
    for (const v of http) {
      httpTotal += v.value;
      if (Number(v.labels.status) >= 500) http5xx += v.value;
    }

    const partitions = await instance.lagByPartition();
    let lagTotal = 0;
    let lagMax = 0;
    for (const p of partitions) {
      lagTotal += p.lag;
      lagMax = Math.max(lagMax, p.lag);
    }

    const dependencies = metrics.dependencies?.() ?? {};

    const store = instance.featureStore;
    const top = await trendingItems(store, '10m', 10);
    const entries = await store.catalog(top.map((x) => x.content_id));
    const trending = top.map((x, i) => (entries[i]?.category !== undefined ? { ...x, category: entries[i]!.category } : x));

    return {
      generated_at: new Date(now.t).toISOString(),
      uptime_s: Math.round((now.t - startedAt) / 1000),
      ready: instance.ready(),
      counters: {
        ingested: now.ingested,
        processed: now.processed,
        rejected: await counterValue(metrics.eventsRejected),
        duplicates: await counterValue(metrics.eventsDuplicate),
        dead_letter: await counterValue(metrics.deadLettered),
        late: await counterValue(metrics.lateEvents),
        overloaded: await counterValue(metrics.overloaded),
        feature_store_fallback: await counterValue(metrics.featureStoreFallback),
        http_requests: httpTotal,
        http_5xx: http5xx,
      },
      rates: {
        window_s: Math.round(span),
        ingested_per_s: rate(now.ingested, oldest?.ingested ?? now.ingested, span),
        processed_per_s: rate(now.processed, oldest?.processed ?? now.processed, span),
      },
      series,
      lag: { total: lagTotal, max_partition: lagMax, stale: dependencies.kafka === false, partitions: partitions.filter((p) => p.lag > 0).map((p) => ({ topic: p.topic, partition: p.partition, lag: p.lag })) },
      freshness: summary(now.freshness, oldest?.freshness),
      serving_latency: summary(now.serving, oldest?.serving),
      trending: { window: '10m', items: trending },
      dependencies: Object.fromEntries(Object.entries(dependencies).map(([name, up]) => [name, up ? 'up' : 'down'])),
    };
  });
}
