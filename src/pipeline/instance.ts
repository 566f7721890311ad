/**
 * One eddy instance: the log, the processing task, the feature store, serving's recommender and
 * ingest, wired for the chosen deployment. The HTTP layer and the CLI only talk to this.
 */
import { EddyError } from '../errors.ts';
import { InProcessFeatureStore } from '../features/in-process-store.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import { openEmbeddedLog, type EmbeddedLog } from '../log/embedded/embedded-log.ts';
import type { Log, PartitionLag } from '../log/types.ts';
import { Metrics } from '../ops/metrics.ts';
import { Recommender, DEFAULT_RECOMMENDER, type RecommenderConfig } from '../serving/recommender.ts';
import { StreamTask } from '../stream/task.ts';
import { Ingest } from './ingest.ts';
import { DEFAULT_PROCESSING, PersonalizationProcessor, type ProcessingConfig } from './personalization-processor.ts';
import { topicNames, topicSpecs, type TopicNames } from './topics.ts';

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

export interface Instance {
  readonly log: Log;
  readonly topics: TopicNames;
  readonly ingest: Ingest;
  readonly recommender: Recommender;
  readonly featureStore: FeatureStore;
  readonly processor: PersonalizationProcessor;
  readonly metrics: Metrics;
  /** Records appended but not yet processed. */
  lag(): number;
  /** Lag of every consumed partition. */
  lagByPartition(): Promise<PartitionLag[]>;
  /** Resolves when everything appended so far is processed (tests, replay, benchmarks). */
  drained(timeoutMs?: number): Promise<void>;
  ready(): boolean;
  stop(): Promise<void>;
}

/** Starts an instance on the embedded log (every role in one process). */
export async function startEmbeddedInstance(options: InstanceOptions): Promise<Instance> {
  const partitions = options.partitions ?? 12;
  const topics = topicNames(options.topicPrefix);
  const metrics = options.metrics ?? new Metrics();
  const log: EmbeddedLog = openEmbeddedLog({ dataDir: options.dataDir, durability: options.durability, dedupHorizonMs: options.dedupHorizonMs });
  await log.ensureTopics(topicSpecs(topics, partitions));
  const processor = new PersonalizationProcessor({ topics, partitions, local: true, config: options.processing ?? DEFAULT_PROCESSING });
  metrics.processing = processor.stats;
  const consumed = [topics.interactions, topics.contentClicks, topics.catalog];
  // Committed position per partition of the consumed topics, to compute lag without a query.
  const positions = new Map<string, number>();
  let ready = false;
  let failure: unknown;
  const task = new StreamTask({
    log,
    group: 'eddy-processor',
    topics: consumed,
    processor,
    maxBatch: options.maxBatch ?? 5000,
    onCommitted: ({ records, commitMs }) => {
      const now = Date.now();
      for (const r of records) {
        positions.set(`${r.topic}/${r.partition}`, r.offset + 1);
        const ingestedAt = r.topic === topics.interactions ? ingestedAtOf(r.value) : undefined;
        if (ingestedAt !== undefined) metrics.processingFreshness.observe((now - ingestedAt) / 1000);
      }
      metrics.eventsProcessed.inc(records.length);
      metrics.commitDuration.observe(commitMs / 1000);
    },
    onError: (error) => {
      failure = error;
      ready = false;
    },
  });
  await task.start();
  for (const tp of task.assignment) positions.set(`${tp.topic}/${tp.partition}`, log.committedOffset('eddy-processor', tp));
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
    admit: () => {
      if (failure !== undefined) throw new EddyError('EDDY_NOT_READY', { message: 'processing has stopped after an error' });
      if (lag() > maxLag) {
        metrics.overloaded.inc();
        throw new EddyError('EDDY_OVERLOADED', { retryAfterSec: 1 });
      }
    },
  });
  const featureStore = new InProcessFeatureStore(processor);
  const recommender = new Recommender(featureStore, options.recommender ?? DEFAULT_RECOMMENDER, (options.processing ?? DEFAULT_PROCESSING).user);
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

function ingestedAtOf(value: Buffer): number | undefined {
  // Cheap scan instead of a second JSON.parse: ingest appends `"ingested_at":<ms>` last.
  const s = value.toString('latin1', Math.max(0, value.length - 40));
  const i = s.lastIndexOf('"ingested_at":');
  if (i < 0) return undefined;
  const n = Number.parseInt(s.slice(i + 14), 10);
  return Number.isFinite(n) ? n : undefined;
}

