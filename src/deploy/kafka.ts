/**
 * One eddy instance of the distributed deployment: Apache Kafka underneath, Redis as the online
 * feature store, and a role that says which part of the pipeline runs here:
 *   ingest   validates and appends events and items (de-duplicating event_ids in Redis)
 *   process  a member of the processor group: the stream task (item updates repartitioned through
 *            content_clicks), the catalogue as a global table, and Redis kept in step (FeatureSync)
 *   serve    stateless: recommendations and features read from Redis
 *   all      the three in one process
 * Every role reads from Redis (so any instance answers reads) and exports the group's lag.
 */
import { RedisFeaturePublisher } from '../features/redis-publisher.ts';
import { RedisFeatureStore } from '../features/redis-store.ts';
import { groupLag } from '../log/kafka/group-lag.ts';
import { changelogTopic, openKafkaLog, type KafkaLog, type KafkaLogOptions } from '../log/kafka/kafka-log.ts';
import { openKafkaSchemaStore } from '../log/kafka/kafka-schema-store.ts';
import { RedisDedupIndex } from '../log/kafka/redis-dedup-index.ts';
import { knownSchemas } from '../events/codec/known-schemas.ts';
import { bindKnownSchemas, SchemaRegistry } from '../events/registry/index.ts';
import type { PartitionLag } from '../log/types.ts';
import { LastKnown } from '../ops/last-known.ts';
import { Metrics } from '../ops/metrics.ts';
import { throttled, type Warn } from '../ops/warnings.ts';
import { DEFAULT_RECOMMENDER, Recommender, type RecommenderConfig } from '../serving/recommender.ts';
import { StreamTask } from '../stream/task.ts';
import { admission } from '../pipeline/admission.ts';
import { CatalogReader } from '../pipeline/catalog-reader.ts';
import { commitObserver } from '../pipeline/commit-metrics.ts';
import { FeatureSync } from '../pipeline/feature-sync.ts';
import { Ingest } from '../pipeline/ingest.ts';
import type { Instance } from './instance.ts';
import { DEFAULT_PROCESSING, PersonalizationProcessor, type ProcessingConfig } from '../pipeline/personalization-processor.ts';
import { schemaCatchUp } from '../pipeline/schema-catch-up.ts';
import { PROCESSOR_GROUP, topicNames, topicSpecs } from '../pipeline/topics.ts';

export type Role = 'all' | 'ingest' | 'process' | 'serve';

/** Settings of the Kafka log this instance opens (producer, consumer, security); see KafkaLogOptions. */
export type KafkaClientSettings = Omit<KafkaLogOptions, 'brokers' | 'replicationFactor' | 'minInsyncReplicas' | 'dedup' | 'warn'>;

export interface KafkaInstanceOptions {
  /** Bootstrap brokers, `host:port` strings or one comma-separated string. */
  readonly brokers: string | readonly string[];
  /** Redis URL of the online feature store and of ingest's event_id index. */
  readonly redis: string;
  /** What this instance does. Default `all`. */
  readonly role?: Role;
  /** Partitions of topics created on start. Default 12. */
  readonly partitions?: number;
  /** Replication factor of topics created on start. Default: the broker's. */
  readonly replicationFactor?: number;
  /** min.insync.replicas of topics created on start. Default: the broker's. */
  readonly minInsyncReplicas?: number;
  /** Prefix of topic names and of the processor group (a tenant, or a test). Default none. */
  readonly topicPrefix?: string;
  /** Prefix of every Redis key. Default `eddy:` followed by the topic prefix. */
  readonly redisPrefix?: string;
  /** Producer and consumer settings (acks, lingerMs, batchBytes, bufferMemory, compression, retries, ...). */
  readonly kafka?: KafkaClientSettings;
  /**
   * Stable id of this processor (Kubernetes: the pod name): the transactional id derives from it,
   * so a restarted instance fences its predecessor's open transaction at once instead of leaving
   * read_committed readers to wait for its time-out. Default: random per start.
   */
  readonly memberId?: string;
  readonly processing?: ProcessingConfig;
  readonly recommender?: RecommenderConfig;
  /** Ingest answers 503 while the group lags by more than this many records. Default 200 000. */
  readonly maxLag?: number;
  /** Largest batch per commit. Default 5000. */
  readonly maxBatch?: number;
  /**
   * Commit at most this often while records keep coming, ms. Default 100, Kafka Streams' default
   * under exactly-once: an event's item updates take a second hop through content_clicks, and both
   * hops become visible only when their transactions commit.
   */
  readonly commitIntervalMs?: number;
  /** How long ingest remembers event_ids, ms. Default 24 h. */
  readonly dedupHorizonMs?: number;
  /** How often the group's lag is refreshed for backpressure and /readyz, ms. Default 1000. */
  readonly lagRefreshMs?: number;
  readonly metrics?: Metrics;
  /**
   * Serve the schema registry, its records on the compacted `<prefix>_eddy_schemas` topic that every
   * instance of the deployment reads (so they all hand out and decode the same ids). Default true.
   */
  readonly schemaRegistry?: boolean;
  /** How often the registry reads what other instances registered, ms (reads and unknown ids also look at once). Default 1000. */
  readonly registryRefreshMs?: number;
  /**
   * Told of trouble: what the Kafka consumer rides out (failed heartbeats, fetches, restores), each
   * retried batch, and the error that stops processing. `eddy start` writes them to stderr.
   */
  readonly warn?: Warn;
}

/** An instance of the Kafka deployment. `ingest` is there for roles all/ingest, `processor` for all/process. */
export interface KafkaInstance extends Instance {
  readonly log: KafkaLog;
  readonly role: Role;
  /** The processor's Redis sync (roles all/process). */
  readonly sync?: FeatureSync;
}

/** Starts an instance of the given role; creates missing topics first. */
export async function startKafkaInstance(options: KafkaInstanceOptions): Promise<KafkaInstance> {
  const role = options.role ?? 'all';
  const ingests = role === 'all' || role === 'ingest';
  const processes = role === 'all' || role === 'process';
  const partitions = options.partitions ?? 12;
  const prefix = options.topicPrefix ?? '';
  const redisPrefix = options.redisPrefix ?? `eddy:${prefix}`;
  const topics = topicNames(prefix);
  const group = `${prefix}${PROCESSOR_GROUP}`;
  const metrics = options.metrics ?? new Metrics();
  const dedup = ingests ? new RedisDedupIndex({ redis: options.redis, prefix: redisPrefix, horizonMs: options.dedupHorizonMs }) : undefined;
  const log = await openKafkaLog({
    // Transactional records become visible when their commit marker is written, which a waiting
    // fetch may not notice before its max wait: keep that short, it bounds each hop's latency.
    fetchMaxWaitMs: 100,
    ...options.kafka,
    warn: options.warn,
    brokers: options.brokers,
    replicationFactor: options.replicationFactor,
    minInsyncReplicas: options.minInsyncReplicas,
    dedup,
  });
  const closers: (() => Promise<unknown>)[] = [() => log.close(), async () => dedup?.close()];
  const stopAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const processing = options.processing ?? DEFAULT_PROCESSING;
    const processor = processes ? new PersonalizationProcessor({ topics, partitions, local: false, globalCatalog: true, config: processing }) : undefined;
    // The processor's changelogs too: created lazily, the first commit would wait for their leaders.
    const changelogs = (processor?.stores ?? []).map((s) => ({ name: changelogTopic(group, s.name), partitions, compacted: true, replicationFactor: options.replicationFactor }));
    await log.ensureTopics([...topicSpecs(topics, partitions, options.replicationFactor), ...changelogs]);
    const featureStore = new RedisFeatureStore({ redis: options.redis, prefix: redisPrefix, onFallback: () => metrics.featureStoreFallback.inc({ dependency: 'redis' }) });
    closers.push(() => featureStore.close());
    // A processing instance ranks with its own models too (learned from its partitions' users).
    const recommender = new Recommender(featureStore, options.recommender ?? DEFAULT_RECOMMENDER, processing.user, processor);

    // The registry: one store on Kafka for every instance; the ids it holds become decodable here.
    let registry: SchemaRegistry | undefined;
    if (options.schemaRegistry !== false) {
      const store = await openKafkaSchemaStore(log, { topic: topics.schemas, replicationFactor: options.replicationFactor });
      registry = await SchemaRegistry.open({ store, topicPrefix: prefix });
      const opened = registry;
      closers.push(() => opened.close());
      bindKnownSchemas(registry, knownSchemas, (message) => options.warn?.('schema registry', new Error(message)));
      const registryWarn = throttled(options.warn);
      const refreshTimer = setInterval(
        () => void opened.catchUp().catch((error: unknown) => registryWarn?.('schema registry: reading other instances\' records failed', error)),
        options.registryRefreshMs ?? 1000,
      );
      refreshTimer.unref();
      closers.push(async () => clearInterval(refreshTimer));
    }
    const catchUpSchemas = registry === undefined ? undefined : schemaCatchUp({ catchUp: () => registry.catchUp(), schemas: knownSchemas, warn: options.warn });

    // The group's lag: the same figure on every instance, refreshed in the background. While Kafka
    // is away, /metrics and /v1/stats show the last figures (marked stale) instead of failing.
    const consumed = [topics.interactions, topics.contentClicks];
    const groupLagNow = new LastKnown<PartitionLag[]>(() => groupLag(log, group, consumed), [], {
      waitMs: 1000,
      onFallback: () => metrics.featureStoreFallback.inc({ dependency: 'kafka' }),
    });
    await groupLagNow.refresh();
    const lagTimer = setInterval(() => void groupLagNow.refresh().catch(() => undefined), options.lagRefreshMs ?? 1000);
    lagTimer.unref();
    closers.push(async () => clearInterval(lagTimer));
    const lag = () => groupLagNow.value.reduce((n, l) => n + l.lag, 0);
    metrics.dependencies = () => ({ redis: featureStore.up, kafka: groupLagNow.up });

    let failure: unknown;
    let sync: FeatureSync | undefined;
    if (processor !== undefined) {
      metrics.processing = processor.stats;
      metrics.stateSizes = () => processor.stateSizes();
      const publisher = new RedisFeaturePublisher({ redis: options.redis, prefix: redisPrefix });
      closers.push(() => publisher.close());
      const featureSync = new FeatureSync({
        publisher,
        processor,
        topics,
        partitions,
        // Called only after the task below exists (on its commits and restores).
        ownedItemPartitions: () => task.assignment.filter((tp) => tp.topic === topics.contentClicks).map((tp) => tp.partition),
      });
      sync = featureSync;
      closers.push(() => featureSync.close());
      const catalog = new CatalogReader({ log, topics, processor, beforeApply: catchUpSchemas, onWrites: (writes, records) => featureSync.catalog(writes, records) });
      // Bootstrapped before the first event is processed, as a global table is.
      await catalog.start();
      closers.push(() => catalog.stop());
      const observeCommit = commitObserver(metrics, topics);
      const retryWarn = throttled(options.warn);
      const task: StreamTask = new StreamTask({
        log,
        group,
        topics: consumed,
        processor,
        memberId: options.memberId,
        maxBatch: options.maxBatch ?? 5000,
        commitIntervalMs: options.commitIntervalMs ?? 100,
        onCommitted: (info) => {
          observeCommit(info);
          featureSync.committed(info);
        },
        onRestored: (info) => featureSync.restored(info),
        // An item catalogued just before its first events must be known when they are enriched.
        // Bounded: a catalogue that cannot be read must not stop processing.
        beforeBatch: async (records) => {
          await catchUpSchemas?.(records);
          if (records.some((r) => r.topic === topics.interactions)) await catalog.caughtUp(1000).catch(() => undefined);
        },
        onRetry: (error) => {
          metrics.processingRetries.inc();
          retryWarn?.('processing: batch dropped, its records will be processed again', error);
        },
        onError: (error) => {
          failure = error;
          options.warn?.('processing has stopped (this instance is not ready until restarted)', error);
        },
      });
      await task.start();
      closers.push(() => task.stop());
    }

    const ingest = ingests
      ? new Ingest({ log, topics, eventTime: processing.eventTime, topicFormats: processing.topicFormats, admit: admission({ lag, maxLag: options.maxLag ?? 200_000, failure: () => failure, metrics }) })
      : undefined;
    let stopped = false;
    return {
      role,
      log,
      topics,
      ingest,
      processor,
      sync,
      registry,
      recommender,
      featureStore,
      metrics,
      lag,
      lagByPartition: () => groupLagNow.get(),
      ready: () => !stopped && failure === undefined,
      async drained(timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if (failure !== undefined) throw failure;
          const total = (await groupLagNow.refresh()).reduce((n, l) => n + l.lag, 0);
          if (total === 0 && (sync === undefined || sync.idle())) return;
          if (Date.now() > deadline) throw new Error(`not drained after ${timeoutMs} ms (lag ${total})`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      async stop() {
        stopped = true;
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
