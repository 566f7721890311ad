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
 * A Redis that restarted has lost what it held (it keeps nothing on disk): its run id changes, and
 * then the whole state this processor owns is published again (test/pipeline/redis-restart.test.ts).
 */
import { partitionFor } from '../log/partitioner.ts';
import type { LogRecord, StateWrite } from '../log/types.ts';
import { splitPopular, storeVersions, type RedisFeaturePublisher } from '../features/redis-publisher.ts';
import type { CommitInfo, RestoreInfo } from '../stream/task.ts';
import type { PersonalizationProcessor } from './personalization-processor.ts';
import type { TopicNames } from './topics.ts';
import { dictionaryChunkLength } from '../stream/state/id-dictionary.ts';

/**
 * The processors' id dictionaries, which user and co-visitation values refer to. A chunk only ever
 * grows, so its length is its version: Redis keeps the longest, whichever topic's commit wrote it.
 */
const DICTIONARY = 'dictionary';

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
  /** How often Redis's run id is checked for a restart, ms (and at once after a failure). Default 1000. */
  readonly restartCheckMs?: number;
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
  private retryTimer: NodeJS.Timeout | undefined;
  /** Publishes that failed since start (metrics, tests). */
  failures = 0;
  /** Times Redis was found restarted and the whole state republished (metrics, tests). */
  republished = 0;
  /** Newest version seen per source partition (`topic\0partition`): the version of a republish. */
  private readonly versions = new Map<string, number>();
  private redisRunId: string | undefined;
  private lastRestartCheck = 0;
  private restartCheckDue = true;
  private readonly restartCheckMs: number;
  private readonly restartTimer: NodeJS.Timeout;

  constructor(private readonly options: FeatureSyncOptions) {
    const { topics } = options;
    this.sources = { users: topics.interactions, items: topics.contentClicks, covis: topics.contentClicks, catalog: topics.catalog };
    this.retryMs = options.retryMs ?? 200;
    this.restartCheckMs = options.restartCheckMs ?? 1000;
    // Also when nothing is committed: an idle processor must notice a restart too.
    this.restartTimer = setInterval(() => this.kick(), this.restartCheckMs);
    this.restartTimer.unref();
  }

  /** After a commit: its writes, versioned by the last offset of their source partition in the batch. */
  committed(info: CommitInfo): void {
    const version = storeVersions(info.records, this.sources);
    for (const w of info.writes) this.add(w, w.store === DICTIONARY ? dictionaryVersion(w) : version(w));
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
      if (w.store === DICTIONARY) {
        this.add(w, dictionaryVersion(w));
        continue;
      }
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
    return this.pending.size === 0 && !this.popularDue && this.running === undefined && this.retryTimer === undefined;
  }

  /**
   * Publishes what is pending (for up to `timeoutMs`), then stops. Anything left is republished by
   * the next owner's restore.
   */
  async close(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.idle() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.closed = true;
    clearInterval(this.restartTimer);
    clearTimeout(this.retryTimer);
    await this.running;
  }

  private add(write: StateWrite, version: number | undefined): void {
    if (version === undefined) return;
    if (write.store === DICTIONARY) {
      const key = `${write.store}\0${write.key}`;
      if ((this.pending.get(key)?.version ?? -1) <= version) this.pending.set(key, { write, version });
      return;
    }
    const source = `${this.sources[write.store]}\0${write.partition}`;
    if ((this.versions.get(source) ?? -1) < version) this.versions.set(source, version);
    const key = `${write.store}\0${write.key}`;
    const existing = this.pending.get(key);
    if (existing === undefined || existing.version <= version) this.pending.set(key, { write, version });
  }

  private kick(): void {
    // While a retry waits, commits only add to what it will publish: Redis is not asked more often.
    if (this.running !== undefined || this.retryTimer !== undefined || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // Something arrived while the last round was failing or finishing: one timer, however often kicked.
      if (!this.closed && (this.pending.size > 0 || this.popularDue)) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, this.retryMs);
        this.retryTimer.unref();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      if (await this.redisRestarted()) this.republishAll();
    } catch (error) {
      this.failures++;
      this.options.onError?.(error);
      return; // kick() retries after retryMs
    }
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
        this.restartCheckDue = true;
        this.options.onError?.(error);
        for (const e of batch.values()) this.add(e.write, e.version);
        this.popularDue ||= popularDue;
        return; // kick() retries after retryMs
      }
    }
  }

  /** Whether Redis's run id changed since the last check (checked at most every restartCheckMs, or after a failure). */
  private async redisRestarted(): Promise<boolean> {
    if (!this.restartCheckDue && Date.now() - this.lastRestartCheck < this.restartCheckMs) return false;
    const id = await this.options.publisher.runId();
    this.lastRestartCheck = Date.now();
    this.restartCheckDue = false;
    const restarted = this.redisRunId !== undefined && id !== this.redisRunId;
    this.redisRunId = id;
    return restarted;
  }

  /**
   * Queues every entry the processor holds (its partitions, and the whole catalogue) at the newest
   * version seen for its source partition. The state may run ahead of the last commit; a replay
   * after a crash recomputes the same values, so publishing them early changes nothing.
   */
  private republishAll(): void {
    this.republished++;
    const { processor } = this.options;
    // The catalogue is a global table outside the changelogged stores.
    const stores = processor.stores.includes(processor.catalog) ? processor.stores : [...processor.stores, processor.catalog];
    for (const store of stores) {
      if (store.name === DICTIONARY) for (const w of store.snapshot()) this.add(w, dictionaryVersion(w));
      if (!(store.name in this.sources)) continue;
      for (const w of store.snapshot()) this.add(w, this.versions.get(`${this.sources[w.store]}\0${w.partition}`));
    }
    this.popularDue = true;
  }

  private async publishPopular(): Promise<void> {
    const { processor, publisher, partitions } = this.options;
    const owned = this.options.ownedItemPartitions();
    if (owned.length > 0) await publisher.publishPopularLists(splitPopular(processor.popularity, owned, (id) => partitionFor(id, partitions)));
    if (processor.stats.streamTime > 0) await publisher.publishStreamTime(processor.stats.streamTime);
  }
}

function dictionaryVersion(w: StateWrite): number | undefined {
  return w.value === null ? undefined : dictionaryChunkLength(w.value);
}
