/**
 * Prometheus metrics (prom-client), every name prefixed `eddy_`. One registry per instance, so that
 * tests and several in-process instances never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The external services an instance of the distributed deployment depends on. */
export type Dependency = 'redis' | 'kafka';
export const DEPENDENCIES: readonly Dependency[] = ['redis', 'kafka'];

/** Whether each dependency answers now; a dependency the instance does not use is absent. */
export type DependencyStatus = Readonly<Partial<Record<Dependency, boolean>>>;

export class Metrics {
  readonly registry = new Registry();
  readonly eventsIngested: Counter;
  readonly eventsRejected: Counter;
  readonly eventsDuplicate: Counter;
  readonly eventsProcessed: Counter;
  readonly deadLettered: Counter;
  readonly lateEvents: Counter;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly processingFreshness: Histogram;
  readonly commitDuration: Histogram;
  readonly servingLatency: Histogram<'route'>;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly overloaded: Counter;
  /** Reads answered from last known values because a dependency failed: Redis (features) or Kafka (lag). */
  readonly featureStoreFallback: Counter<'dependency'>;
  readonly processingRetries: Counter;
  readonly dependencyUp: Gauge<'dependency'>;
  readonly stateBytesPerUser: Gauge;
  readonly stateBytesPerItem: Gauge;
  /** Mean committed bytes of a user's and an item's state, read when metrics are scraped. */
  stateSizes: (() => { readonly perUser: number; readonly perItem: number }) | undefined;
  /** The processor's own counters, read when metrics are scraped. */
  processing: { readonly deadLettered: number; readonly late: number } | undefined;
  /** The instance's dependencies, read when metrics are scraped (eddy_dependency_up). */
  dependencies: (() => DependencyStatus) | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'eddy_' });
    this.eventsIngested = new Counter({ name: 'eddy_events_ingested_total', help: 'Events accepted by ingest and appended to the log', registers });
    this.eventsRejected = new Counter({ name: 'eddy_events_rejected_total', help: 'Events rejected by validation (sent to the dead-letter topic)', registers });
    this.eventsDuplicate = new Counter({ name: 'eddy_events_duplicate_total', help: 'Events whose event_id was seen before (no effect)', registers });
    this.eventsProcessed = new Counter({ name: 'eddy_events_processed_total', help: 'Records processed and committed by the stream processor', registers });
    const processing = () => this.processing;
    this.deadLettered = new Counter({
      name: 'eddy_dead_letter_total',
      help: 'Records sent to the dead-letter topic by the processor',
      registers,
      collect() {
        this.reset();
        this.inc(processing()?.deadLettered ?? 0);
      },
    });
    this.lateEvents = new Counter({
      name: 'eddy_late_events_total',
      help: 'Events later than the watermark allows (side output)',
      registers,
      collect() {
        this.reset();
        this.inc(processing()?.late ?? 0);
      },
    });
    this.consumerLag = new Gauge({ name: 'eddy_consumer_lag', help: 'Records not yet processed, per partition', labelNames: ['topic', 'partition'], registers });
    this.processingFreshness = new Histogram({
      name: 'eddy_event_to_feature_seconds',
      help: 'Time from ingest to the event being reflected in features (committed)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.commitDuration = new Histogram({
      name: 'eddy_commit_duration_seconds',
      help: 'Duration of a processing commit (state + offsets + outputs)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    });
    this.servingLatency = new Histogram({
      name: 'eddy_serving_latency_seconds',
      help: 'Latency of serving requests, by route',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    });
    this.httpRequests = new Counter({ name: 'eddy_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers });
    this.overloaded = new Counter({ name: 'eddy_ingest_overloaded_total', help: 'Ingest requests refused with 503 because processing was behind', registers });
    this.featureStoreFallback = new Counter({
      name: 'eddy_feature_store_fallback_total',
      help: 'Reads answered from last known values because a dependency failed: dependency="redis" feature store reads, dependency="kafka" consumer lag',
      labelNames: ['dependency'],
      registers,
    });
    // Zero from the start, so that rate() and the dashboard see the series before the first failure.
    for (const dependency of DEPENDENCIES) this.featureStoreFallback.inc({ dependency }, 0);
    const dependencies = () => this.dependencies?.() ?? {};
    this.dependencyUp = new Gauge({
      name: 'eddy_dependency_up',
      help: 'Whether a dependency (redis, kafka) answered its last request: 1 up, 0 down; absent for one the instance does not use',
      labelNames: ['dependency'],
      registers,
      collect() {
        this.reset();
        for (const [dependency, up] of Object.entries(dependencies())) this.set({ dependency }, up ? 1 : 0);
      },
    });
    const stateSizes = () => this.stateSizes?.();
    this.stateBytesPerUser = new Gauge({
      name: 'eddy_state_bytes_per_user',
      help: "Mean size of a user's state as committed (binary changelog bytes; a sample of users)",
      registers,
      collect() {
        const sizes = stateSizes();
        if (sizes !== undefined) this.set(sizes.perUser);
      },
    });
    this.stateBytesPerItem = new Gauge({
      name: 'eddy_state_bytes_per_item',
      help: "Mean size of an item's state as committed: its windows plus its co-visitation row (a sample of items)",
      registers,
      collect() {
        const sizes = stateSizes();
        if (sizes !== undefined) this.set(sizes.perItem);
      },
    });
    this.processingRetries = new Counter({
      name: 'eddy_processing_retries_total',
      help: 'Uncommitted batches dropped and processed again after a retriable commit failure (a rebalance, a broker error)',
      registers,
    });
  }
}
