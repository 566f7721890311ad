/**
 * One eddy instance: the log, the processing task, the feature store, serving's recommender and
 * ingest, wired for the chosen deployment. The HTTP layer and the CLI only talk to this.
 */
import { InProcessFeatureStore } from '../features/in-process-store.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import { openEmbeddedLog, type EmbeddedLog } from '../log/embedded/embedded-log.ts';
import type { Log, PartitionLag } from '../log/types.ts';
import { Metrics } from '../ops/metrics.ts';
import { Recommender, DEFAULT_RECOMMENDER, type RecommenderConfig } from '../serving/recommender.ts';
import { StreamTask } from '../stream/task.ts';
import { admission } from './admission.ts';
import { commitObserver } from './commit-metrics.ts';
import { Ingest } from './ingest.ts';
import { DEFAULT_PROCESSING, PersonalizationProcessor, type ProcessingConfig } from './personalization-processor.ts';
import { PROCESSOR_GROUP, topicNames, topicSpecs, type TopicNames } from './topics.ts';

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
}

/**
 * A running instance of any deployment and role. Every instance reads features and recommends (from
 * the in-process state, or from Redis in the Kafka deployment); what differs by role is documented
 * on the optional fields.
 */
export interface Instance {
  readonly log: Log;
  readonly topics: TopicNames;
  /** Validation and appends; absent on instances that take no writes (Kafka roles `process`, `serve`). */
  readonly ingest?: Ingest;
  readonly recommender: Recommender;
  readonly featureStore: FeatureStore;
  /** The stream processor; absent on instances that do not process (Kafka roles `ingest`, `serve`). */
  readonly processor?: PersonalizationProcessor;
  readonly metrics: Metrics;
  /** Records appended but not yet processed. */
  lag(): number;
  /**
   * Lag of every consumed partition. Never throws: while the log is away (Kafka) it answers the last
   * known figures soon, and `metrics.dependencies().kafka` is false (they are stale).
   */
  lagByPartition(): Promise<PartitionLag[]>;
  /** Resolves when everything appended so far is processed (tests, replay, benchmarks). */
  drained(timeoutMs?: number): Promise<void>;
  ready(): boolean;
  stop(): Promise<void>;
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
  const processor = new PersonalizationProcessor({ topics, partitions, local: true, config: options.processing ?? DEFAULT_PROCESSING });
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
    processor,
    maxBatch: options.maxBatch ?? 5000,
    onCommitted: (info) => {
      for (const r of info.records) positions.set(`${r.topic}/${r.partition}`, r.offset + 1);
      observeCommit(info);
    },
    onError: (error) => {
      failure = error;
      ready = false;
    },
  });
  await task.start();
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
    admit: admission({ lag, maxLag, failure: () => failure, metrics }),
  });
  const featureStore = new InProcessFeatureStore(processor);
  const recommender = new Recommender(featureStore, options.recommender ?? DEFAULT_RECOMMENDER, (options.processing ?? DEFAULT_PROCESSING).user, processor);
  const maintenance = setInterval(() => log.maintain(), 60_000);
  maintenance.unref();

  return {
    log,
    topics,
    ingest,
    recommender,
    featureStore,
    processor,
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
    },
    async stop() {
      ready = false;
      clearInterval(maintenance);
      await task.stop();
      await log.close();
    },
  };
}
