/**
 * One eddy instance: the log, the processing task, the feature store, serving's recommender and
 * ingest, wired for the chosen deployment. The HTTP layer and the CLI only talk to this.
 */
import { bindKnownSchemas, openSqliteSchemaStore, SchemaRegistry } from '../events/registry/index.ts';
import { InProcessFeatureStore } from '../features/in-process-store.ts';
import { openEmbeddedLog, type EmbeddedLog } from '../log/embedded/embedded-log.ts';
import type { PartitionLag } from '../log/types.ts';
import { Metrics } from '../ops/metrics.ts';
import { Recommender, DEFAULT_RECOMMENDER, type RecommenderConfig } from '../serving/recommender.ts';
import { StreamTask } from '../stream/task.ts';
import { admission } from '../pipeline/admission.ts';
import { commitObserver } from '../pipeline/commit-metrics.ts';
import { Ingest } from '../pipeline/ingest.ts';
import { DEFAULT_PROCESSING, type PersonalizationProcessor, type ProcessingConfig } from '../pipeline/personalization-processor.ts';
import type { Instance } from './instance.ts';
import { placeProcessing, type ProcessingThread } from './processing-thread.ts';
import { PROCESSOR_GROUP, topicNames, topicSpecs } from '../pipeline/topics.ts';

export type { Instance } from './instance.ts';

export interface InstanceOptions {
  /** Folder of the embedded store. */
  readonly dataDir: string;
  readonly partitions?: number;
  readonly topicPrefix?: string;
  readonly durability?: 'full' | 'normal';
  readonly dedupHorizonMs?: number;
  readonly processing?: ProcessingConfig;
  readonly recommender?: RecommenderConfig;
  /** Ingest answers 503 while more than this many records wait to be processed. */
  readonly maxLag?: number;
  /** Largest batch the processor commits at once. */
  readonly maxBatch?: number;
  readonly metrics?: Metrics;
  /**
   * Where the processor runs: `worker` (default) in a worker thread, serving reading a replica
   * that follows each commit; `main` in the serving thread (see processing-thread.ts).
   */
  readonly processingThread?: ProcessingThread;
  /**
   * Commit at most this often while records keep coming, ms. With the processor in a worker, reads
   * follow commits, so this bounds freshness (under load commits space out by themselves: see
   * StreamTask's maxCommitShare). Default 20 (worker), 2000 (main).
   */
  readonly commitIntervalMs?: number;
  /**
   * Serve the schema registry, its records in `<dataDir>/schema-registry.db`; the ids registered
   * under eddy's subjects become decodable by this process. Default true.
   */
  readonly schemaRegistry?: boolean;
}

/** The embedded instance does everything in one process. */
export interface EmbeddedInstance extends Instance {
  readonly ingest: Ingest;
  readonly processor: PersonalizationProcessor;
}

/** Starts an instance on the embedded log (every role in one process). */
export async function startEmbeddedInstance(options: InstanceOptions): Promise<EmbeddedInstance> {
  const partitions = options.partitions ?? 12;
  const topics = topicNames(options.topicPrefix);
  const metrics = options.metrics ?? new Metrics();
  const log: EmbeddedLog = openEmbeddedLog({ dataDir: options.dataDir, durability: options.durability, dedupHorizonMs: options.dedupHorizonMs });
  await log.ensureTopics(topicSpecs(topics, partitions));
  const thread = options.processingThread ?? 'worker';
  const placement = await placeProcessing(thread, { topics, partitions, config: options.processing ?? DEFAULT_PROCESSING });
  const { processor } = placement;
  metrics.processing = processor.stats;
  metrics.stateSizes = () => processor.stateSizes();
  const consumed = [topics.interactions, topics.contentClicks, topics.catalog];
  // Committed position per partition of the consumed topics, to compute lag without a query.
  const positions = new Map<string, number>();
  let ready = false;
  let failure: unknown;
  const observeCommit = commitObserver(metrics, topics);
  const task = new StreamTask({
    log,
    group: PROCESSOR_GROUP,
    topics: consumed,
    ...(placement.driver !== undefined ? { driver: placement.driver } : { processor }),
    maxBatch: options.maxBatch ?? 5000,
    commitIntervalMs: options.commitIntervalMs ?? (thread === 'worker' ? 20 : 2000),
    maxCommitShare: 0.2,
    onCommitted: (info) => {
      placement.committed(info);
      for (const r of info.records) positions.set(`${r.topic}/${r.partition}`, r.offset + 1);
      observeCommit(info);
    },
    onError: (error) => {
      failure = error;
      ready = false;
    },
  });
  try {
    await task.start();
  } catch (error) {
    // A worker thread left running would keep the process alive after the failed start.
    await placement.close().catch(() => undefined);
    await log.close();
    throw error;
  }
  for (const tp of task.assignment) positions.set(`${tp.topic}/${tp.partition}`, log.committedOffset(PROCESSOR_GROUP, tp));
  ready = true;

  const lag = (): number => {
    let total = 0;
    for (const topic of consumed) {
      const ends = log.endOffsetsSync(topic);
      for (let p = 0; p < ends.length; p++) total += ends[p] - (positions.get(`${topic}/${p}`) ?? 0);
    }
    return total;
  };
  const maxLag = options.maxLag ?? 200_000;
  const ingest = new Ingest({
    log,
    topics,
    eventTime: (options.processing ?? DEFAULT_PROCESSING).eventTime,
    topicFormats: (options.processing ?? DEFAULT_PROCESSING).topicFormats,
    admit: admission({ lag, maxLag, failure: () => failure, metrics }),
  });
  const featureStore = new InProcessFeatureStore(processor);
  const recommender = new Recommender(featureStore, options.recommender ?? DEFAULT_RECOMMENDER, (options.processing ?? DEFAULT_PROCESSING).user, placement.access);
  const maintenance = setInterval(() => log.maintain(), 60_000);
  maintenance.unref();
  const registry = options.schemaRegistry === false ? undefined : await SchemaRegistry.open({ store: openSqliteSchemaStore(options.dataDir), topicPrefix: options.topicPrefix });
  if (registry !== undefined) bindKnownSchemas(registry);

  return {
    log,
    topics,
    ingest,
    recommender,
    featureStore,
    processor,
    registry,
    metrics,
    lag,
    lagByPartition: async () => {
      const out: PartitionLag[] = [];
      for (const topic of consumed) {
        log.endOffsetsSync(topic).forEach((end, partition) => {
          const offset = positions.get(`${topic}/${partition}`) ?? 0;
          out.push({ topic, partition, offset, end, lag: end - offset });
        });
      }
      return out;
    },
    ready: () => ready,
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (lag() > 0) {
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) throw new Error(`not drained after ${timeoutMs} ms (lag ${lag()})`);
        await new Promise((r) => setTimeout(r, 2));
      }
      placement.sync();
    },
    async stop() {
      ready = false;
      clearInterval(maintenance);
      await task.stop();
      await placement.close();
      await log.close();
      await registry?.close();
    },
  };
}
