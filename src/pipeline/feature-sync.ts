/**
 * Keeps Redis in step with one stream processor in the Kafka deployment: after each commit it
 * publishes the committed state writes with their source offsets as versions, then the popular
 * lists of the partitions this instance owns and the stream time; after a restore it republishes
 * the restored state (an instance killed between its commit and its publish leaves Redis behind the
 * changelog, and only the next owner can tell).
 *
 * Publishing runs in the background, so neither processing nor a rebalance waits for Redis. While
 * Redis is down, unpublished writes are kept by key (the newest version wins, so memory is bounded
 * by the number of keys) and retried; the versions make every retry and replay idempotent.
 */
import { partitionFor } from '../log/partitioner.ts';
import type { LogRecord, StateWrite } from '../log/types.ts';
import { splitPopular, storeVersions, type RedisFeaturePublisher } from '../features/redis-publisher.ts';
import type { CommitInfo, RestoreInfo } from '../stream/task.ts';
import type { PersonalizationProcessor } from './personalization-processor.ts';
import type { TopicNames } from './topics.ts';

export interface FeatureSyncOptions {
  readonly publisher: RedisFeaturePublisher;
  readonly processor: PersonalizationProcessor;
  readonly topics: TopicNames;
  /** Partitions of the keyed topics (for the per-partition popular lists). */
  readonly partitions: number;
  /** content_clicks partitions this instance owns now (their popular lists are its to publish). */
  readonly ownedItemPartitions: () => readonly number[];
  /** Pause before retrying a failed publish, ms. Default 200. */
  readonly retryMs?: number;
  /** Told about each failed publish (it will be retried). */
  readonly onError?: (error: unknown) => void;
}

interface Versioned {
  readonly write: StateWrite;
  readonly version: number;
}

export class FeatureSync {
  /** Writes not yet published, by `store\0key`. */
  private pending = new Map<string, Versioned>();
  private popularDue = false;
  private running: Promise<void> | undefined;
  private closed = false;
  /** The source topic whose offsets version each store's values. */
  private readonly sources: Readonly<Record<string, string>>;
  private readonly retryMs: number;
  /** Publishes that failed since start (metrics, tests). */
  failures = 0;

  constructor(private readonly options: FeatureSyncOptions) {
    const { topics } = options;
    this.sources = { users: topics.interactions, items: topics.contentClicks, covis: topics.contentClicks, catalog: topics.catalog };
    this.retryMs = options.retryMs ?? 200;
  }

  /** After a commit: its writes, versioned by the last offset of their source partition in the batch. */
  committed(info: CommitInfo): void {
    const version = storeVersions(info.records, this.sources);
    for (const w of info.writes) this.add(w, version(w));
    this.popularDue = true;
    this.kick();
  }

  /**
   * After a restore: the restored entries, versioned by the committed offset of their source
   * partition minus one (the state reflects every record before it; anything Redis holds for these
   * keys came from a commit at or before it).
   */
  restored(info: RestoreInfo): void {
    const committed = new Map<string, number>();
    for (const c of info.committed) committed.set(`${c.topic}\0${c.partition}`, c.offset);
    for (const w of info.writes) {
      const offset = committed.get(`${this.sources[w.store]}\0${w.partition}`);
      if (offset !== undefined && offset > 0) this.add(w, offset - 1);
    }
    this.popularDue = true;
    this.kick();
  }

  /** Catalogue writes of a global reader, versioned by their content_catalog offsets. */
  catalog(writes: readonly StateWrite[], records: readonly LogRecord[]): void {
    const version = storeVersions(records, this.sources);
    for (const w of writes) this.add(w, version(w));
    this.kick();
  }

  /** True when nothing waits to be published. */
  idle(): boolean {
    return this.pending.size === 0 && !this.popularDue && this.running === undefined;
  }

  /**
   * Publishes what is pending (for up to `timeoutMs`), then stops. Anything left is republished by
   * the next owner's restore.
   */
  async close(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.idle() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.closed = true;
    await this.running;
  }

  private add(write: StateWrite, version: number | undefined): void {
    if (version === undefined) return;
    const key = `${write.store}\0${write.key}`;
    const existing = this.pending.get(key);
    if (existing === undefined || existing.version <= version) this.pending.set(key, { write, version });
  }

  private kick(): void {
    if (this.running !== undefined || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // Something arrived while the last round was failing or finishing.
      if (!this.closed && (this.pending.size > 0 || this.popularDue)) setTimeout(() => this.kick(), this.retryMs).unref();
    });
  }

  private async drain(): Promise<void> {
    while (!this.closed && (this.pending.size > 0 || this.popularDue)) {
      const batch = this.pending;
      this.pending = new Map();
      const popularDue = this.popularDue;
      this.popularDue = false;
      try {
        const entries = [...batch.values()];
        await this.options.publisher.publish(
          entries.map((e) => e.write),
          entries.map((e) => e.version),
        );
        if (popularDue) await this.publishPopular();
      } catch (error) {
        this.failures++;
        this.options.onError?.(error);
        for (const e of batch.values()) this.add(e.write, e.version);
        this.popularDue ||= popularDue;
        return; // kick() retries after retryMs
      }
    }
  }

  private async publishPopular(): Promise<void> {
    const { processor, publisher, partitions } = this.options;
    const owned = this.options.ownedItemPartitions();
    if (owned.length > 0) await publisher.publishPopularLists(splitPopular(processor.popularity, owned, (id) => partitionFor(id, partitions)));
    if (processor.stats.streamTime > 0) await publisher.publishStreamTime(processor.stats.streamTime);
  }
}
