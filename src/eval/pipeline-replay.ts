// eddy itself as a prequential recommender: the service's PersonalizationProcessor and Recommender,
// driven synchronously with stream time = event time. `recommend` asks the Recommender exactly as
// GET /v1/recommendations does (the list becomes impressions for the ranker); `learn` hands the
// event to the processor as a log record of the interactions topic, as the stream task would.
// With a data dir, the state (stores and model records) commits to an embedded log like the
// service's, and a new replay over the same dir resumes from the committed position.

import { HISTORICAL_EVENT_TIME } from '../events/event-time.ts';
import { InProcessFeatureStore } from '../features/in-process-store.ts';
import { openEmbeddedLog, type EmbeddedLog } from '../log/embedded/embedded-log.ts';
import type { Consumer, LogRecord } from '../log/types.ts';
import { DEFAULT_PROCESSING, PersonalizationProcessor, type ProcessingConfig } from '../pipeline/personalization-processor.ts';
import { topicNames, topicSpecs, type TopicNames } from '../pipeline/topics.ts';
import { DEFAULT_RECOMMENDER, Recommender, type RecommenderConfig } from '../serving/recommender.ts';
import { TopologyDriver } from '../stream/driver.ts';
import type { Recommender as ReplayRecommender } from './prequential.ts';
import type { ReplayEvent, ReplayItem } from './readers.ts';

/** Options of {@link PipelineRecommender}. */
export interface PipelineReplayOptions {
  name?: string;
  processing?: ProcessingConfig;
  recommender?: RecommenderConfig;
  /** Folder of an embedded store to commit to and resume from (':memory:' or absent: no commits). */
  dataDir?: string;
  /** Commit every this many learned events (with a data dir). */
  commitEvery?: number;
}

const PARTITIONS = 4;
const GROUP = 'eddy-replay';

/** eddy's processor + recommender as a prequential recommender; see the file header. */
export class PipelineRecommender implements ReplayRecommender {
  readonly name: string;
  readonly processor: PersonalizationProcessor;
  readonly recommender: Recommender;
  readonly topics: TopicNames = topicNames();
  /** Events learned, including those restored from a data dir (the replay position). */
  position = 0;
  private readonly driver: TopologyDriver;
  private readonly commitEvery: number;
  private log: EmbeddedLog | undefined;
  private consumer: Consumer | undefined;
  private sinceCommit = 0;

  private constructor(options: PipelineReplayOptions) {
    this.name = options.name ?? 'eddy';
    // Recorded data: its times are checked against no wall clock, and it is never idle.
    const processing = { ...(options.processing ?? DEFAULT_PROCESSING), eventTime: HISTORICAL_EVENT_TIME, idleTimeoutMs: 0 };
    // Catalogue entries get stream time as their `addedAt`: a replay has no wall clock of its own.
    this.processor = new PersonalizationProcessor({ topics: this.topics, partitions: PARTITIONS, local: true, config: processing, now: () => this.processor.stats.streamTime });
    this.driver = new TopologyDriver(this.processor);
    this.recommender = new Recommender(new InProcessFeatureStore(this.processor), options.recommender ?? DEFAULT_RECOMMENDER, processing.user, this.processor);
    this.commitEvery = options.commitEvery ?? 20_000;
  }

  /** Opens the pipeline; with a data dir, restores what was committed there and its position. */
  static async open(options: PipelineReplayOptions = {}): Promise<PipelineRecommender> {
    const p = new PipelineRecommender(options);
    if (options.dataDir !== undefined && options.dataDir !== ':memory:') await p.attach(options.dataDir);
    return p;
  }

  private async attach(dataDir: string): Promise<void> {
    this.log = openEmbeddedLog({ dataDir, durability: 'normal' });
    await this.log.ensureTopics(topicSpecs(this.topics, PARTITIONS));
    const { processor, driver } = this;
    this.consumer = await this.log.subscribe({
      group: GROUP,
      topics: [this.topics.interactions],
      listener: {
        // as StreamTask does: restore every store's partitions, then let the processor rebuild
        onAssigned: async (tps, consumer) => {
          const partitions = [...new Set(tps.map((tp) => tp.partition))];
          for (const store of processor.stores) {
            for (const part of partitions) await consumer.restore(store.name, [part], (key, value) => driver.restoreEntry(store.name, key, part, value));
          }
          driver.assigned(tps);
        },
      },
    });
    // The replay position is the committed offset of partition 0 (the replay file is one sequence).
    this.position = this.log.committedOffset(GROUP, { topic: this.topics.interactions, partition: 0 });
  }

  /** Feeds the catalogue (before the events). */
  loadCatalog(items: ReadonlyMap<string, ReplayItem>): void {
    const records: LogRecord[] = [];
    let offset = 0;
    for (const [id, item] of items) {
      const value = { content_id: id, ...(item.category !== undefined && { category: item.category }), ...(item.tags !== undefined && { tags: item.tags }) };
      records.push(this.record(this.topics.catalog, id, value, offset++, 0));
    }
    this.driver.process(records);
    this.commitOrDiscard();
  }

  private record(topic: string, key: string, value: object, offset: number, timestamp: number): LogRecord {
    return { topic, partition: 0, offset, key, value: Buffer.from(JSON.stringify(value)), timestamp, headers: {} };
  }

  async recommend(userId: string, k: number, _ts: number, exclude: ReadonlySet<string>): Promise<string[]> {
    const items = await this.recommender.recommend({ userId, k, exclude });
    return items.map((i) => i.content_id);
  }

  learn(event: ReplayEvent): void {
    const value = { user_id: event.userId, session_id: event.userId, timestamp: event.ts, event_type: event.type, content_id: event.itemId };
    this.driver.process([this.record(this.topics.interactions, event.userId, value, this.position, event.ts)]);
    this.position++;
    if (++this.sinceCommit >= this.commitEvery) this.commitOrDiscard();
  }

  /**
   * Without a data dir the stores' change sets are dropped (nothing to commit to); with one, the
   * changes since the last commit are committed with the replay position, as the stream task does.
   */
  private commitOrDiscard(): void {
    this.sinceCommit = 0;
    if (this.log !== undefined) return this.commit();
    this.driver.discard();
  }

  /** Commits state and position now (with a data dir). */
  commit(): void {
    if (this.log === undefined) return;
    const { state } = this.driver.drain();
    this.log.commitBatch(GROUP, { offsets: [{ topic: this.topics.interactions, partition: 0, offset: this.position }], outputs: [], state });
    this.sinceCommit = 0;
  }

  /** Commits (with a data dir) and closes the store. */
  async close(): Promise<void> {
    if (this.log === undefined) return;
    this.commit();
    await this.consumer?.close();
    await this.log.close();
    this.log = undefined;
  }
}
