/**
 * A stream task: the loop that polls a batch, lets the processor turn it into state changes and
 * outputs, and commits all of it with the consumed offsets in one transaction. It restores state
 * when partitions are assigned and forgets it when they are revoked.
 */
import type { Consumer, Log, LogRecord, PartitionLag, PartitionOffset, StateWrite, TopicPartition } from '../log/types.ts';
import { TopologyDriver, type DrainedChanges, type TaskDriver } from './driver.ts';
import type { Processor } from './topology.ts';

export type { Processor, ProcessorContext } from './topology.ts';

/** Told after every successful commit. */
export interface CommitInfo {
  readonly records: readonly LogRecord[];
  readonly changes: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
  /** The committed state changes, encoded as in the changelog (what a feature store publishes). */
  readonly writes: readonly StateWrite[];
  readonly commitMs: number;
}

/** Told after partitions were assigned and their state restored. */
export interface RestoreInfo {
  readonly partitions: readonly TopicPartition[];
  /** Every restored entry, encoded as in the changelog. */
  readonly writes: readonly StateWrite[];
  /** Committed offset of each assigned partition: the restored state reflects the records before it. */
  readonly committed: readonly PartitionLag[];
}

/**
 * An error after which the task can go on: the consumer has dropped the uncommitted batch, rewound
 * to the last commit and restored state (a commit fenced by a rebalance, a transient broker error).
 * Errors say so with `retriable: true` (KafkaRebalanceError).
 */
export function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true;
}

export interface StreamTaskOptions {
  readonly log: Log;
  readonly group: string;
  readonly topics: readonly string[];
  /** The processor, run in this thread; or give `driver`. */
  readonly processor?: Processor;
  /** What runs the processor elsewhere (a worker thread: remote-driver.ts); instead of `processor`. */
  readonly driver?: TaskDriver;
  /** Largest batch per commit. Larger batches amortise the commit; smaller ones cut latency. */
  readonly maxBatch?: number;
  /** How long a poll waits for records before the loop turns anyway. */
  readonly pollWaitMs?: number;
  /**
   * Commit at most this often while records keep coming (Kafka Streams' commit.interval.ms; default 2 s): one
   * commit then carries each changed key once, however often it changed. An idle poll commits at
   * once. State is visible to in-process readers before it is committed, as in Kafka Streams'
   * interactive queries; a crash rolls it back to the last commit and replays from there.
   */
  readonly commitIntervalMs?: number;
  /**
   * Under load, commit no more often than spending this share of the time in commits (a commit's
   * cost is mostly per changed key, so fewer commits coalesce more), but at least once a second.
   * Default: off (every `commitIntervalMs`); the embedded deployment sets 0.2.
   */
  readonly maxCommitShare?: number;
  readonly memberId?: string;
  readonly onCommitted?: (info: CommitInfo) => void;
  /**
   * Awaited before a non-empty batch is processed, e.g. until a global table has caught up with what
   * was appended before these records. A rejection stops the task, so it should not reject.
   */
  readonly beforeBatch?: (records: readonly LogRecord[]) => Promise<void>;
  /** Called after each restore, before processing resumes; must not throw (the rebalance would fail). */
  readonly onRestored?: (info: RestoreInfo) => void;
  /** A retriable error (see `isRetriable`): the task drops its uncommitted batch and goes on. */
  readonly onRetry?: (error: unknown) => void;
  /** Any other error: the task stops. */
  readonly onError?: (error: unknown) => void;
}

/** The longest interval the commit share may stretch commits to (see maxCommitShare). */
const MAX_ADAPTIVE_INTERVAL_MS = 1000;

export class StreamTask {
  private consumer: Consumer | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly maxBatch: number;
  private readonly pollWaitMs: number;
  private readonly commitIntervalMs: number;
  /** Processed but not yet committed. */
  private pending: LogRecord[] = [];
  private lastCommit = 0;
  /** How long the last commit took, ms (see maxCommitShare). */
  private lastCommitMs = 0;
  private readonly driver: TaskDriver;
  /** A pipelined driver's commit, waiting for its drain while the next batches go out (see processPipelined). */
  private inflightCommit: Promise<void> | undefined;
  private commitFailure: { error: unknown } | undefined;
  /** Records processed since start (for metrics and tests). */
  processed = 0;

  constructor(private readonly options: StreamTaskOptions) {
    this.maxBatch = options.maxBatch ?? 5000;
    this.pollWaitMs = options.pollWaitMs ?? 200;
    this.commitIntervalMs = options.commitIntervalMs ?? 2000;
    if (options.driver === undefined && options.processor === undefined) throw new Error('a stream task needs a processor or a driver');
    this.driver = options.driver ?? new TopologyDriver(options.processor!);
  }

  /** Joins the group, restores state and starts the loop. */
  async start(): Promise<void> {
    this.consumer = await this.options.log.subscribe({
      group: this.options.group,
      topics: this.options.topics,
      memberId: this.options.memberId,
      listener: {
        onAssigned: async (tps, consumer) => {
          const partitions = [...new Set(tps.map((tp) => tp.partition))];
          const writes: StateWrite[] = [];
          const keep = this.options.onRestored !== undefined;
          for (const store of this.driver.storeNames) {
            for (const p of partitions) {
              await consumer.restore(store, [p], (key, value) => {
                this.driver.restoreEntry(store, key, p, value);
                if (keep) writes.push({ store, partition: p, key, value });
              });
            }
          }
          await this.driver.assigned(tps);
          if (keep) this.options.onRestored!({ partitions: tps, writes, committed: await consumer.lag() });
        },
        onRevoked: (tps) => this.driver.revoked(tps),
      },
    });
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        // With work pending, wait no longer than until its commit is due.
        const wait = this.pending.length === 0 ? this.pollWaitMs : Math.max(0, Math.min(this.pollWaitMs, this.lastCommit + this.commitIntervalMs - performance.now()));
        const records = await this.consumer!.poll(this.maxBatch, wait);
        if (!this.running) break;
        await this.processBatch(records);
      } catch (error) {
        // The consumer has rewound and restored (see isRetriable): what was processed since the
        // last commit is gone from state and will be delivered again, so it must go from here too.
        this.pending = [];
        await this.inflightCommit;
        this.commitFailure = undefined;
        await this.driver.discard();
        if (this.running && isRetriable(error)) this.options.onRetry?.(error);
        else {
          this.running = false;
          if (this.options.onError) this.options.onError(error);
          else throw error;
        }
      }
      // Let the HTTP server and appends in between batches (the processor runs on the same thread).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async processBatch(records: LogRecord[]): Promise<void> {
    if (records.length > 0 && this.options.beforeBatch !== undefined) await this.options.beforeBatch(records);
    if (this.driver.pipelined === true) return this.processPipelined(records);
    if (records.length > 0) await this.driver.process(records);
    else await this.driver.tick();
    for (const r of records) this.pending.push(r);
    if (records.length === 0 || this.commitDue()) await this.commitPending();
  }

  /**
   * The driver works elsewhere: a due commit takes what is pending and waits for the driver's
   * drain in the background, while the next batches go out (their changes go to the next commit),
   * so neither side waits for the other. One commit at a time, in order; an idle poll commits
   * everything and waits for it.
   */
  private async processPipelined(records: LogRecord[]): Promise<void> {
    this.throwCommitFailure();
    if (records.length === 0) {
      await this.inflightCommit;
      this.throwCommitFailure();
      await this.driver.tick();
      return this.commitPending();
    }
    if (this.inflightCommit === undefined && this.pending.length > 0 && this.commitDue()) {
      const drained = this.driver.drain();
      const committing = this.pending;
      this.pending = [];
      this.inflightCommit = Promise.resolve(drained)
        .then((changes) => this.commit(changes, committing))
        .catch((error: unknown) => void (this.commitFailure ??= { error }))
        .finally(() => (this.inflightCommit = undefined));
    }
    await this.driver.process(records);
    for (const r of records) this.pending.push(r);
  }

  /** A background commit's failure, for the loop to handle as its own. */
  private throwCommitFailure(): void {
    const failure = this.commitFailure;
    if (failure === undefined) return;
    this.commitFailure = undefined;
    throw failure.error;
  }

  private commitDue(): boolean {
    const share = this.options.maxCommitShare;
    // A longer interval makes a bigger, longer commit: the cap keeps that from feeding on itself.
    const interval = share === undefined ? this.commitIntervalMs : Math.min(Math.max(this.commitIntervalMs, this.lastCommitMs / share), Math.max(this.commitIntervalMs, MAX_ADAPTIVE_INTERVAL_MS));
    return this.driver.commitRequested || performance.now() - this.lastCommit >= interval || this.pending.length >= this.maxBatch * 100;
  }

  /** Commits everything processed since the last commit: outputs, changed state, offsets. */
  private async commitPending(): Promise<void> {
    await this.inflightCommit;
    this.throwCommitFailure();
    const drained = await this.driver.drain();
    const records = this.pending;
    this.pending = [];
    await this.commit(drained, records);
  }

  private async commit({ state, changes, outputs }: DrainedChanges, records: LogRecord[]): Promise<void> {
    this.lastCommit = performance.now();
    if (records.length === 0 && state.length === 0 && outputs.length === 0) return;
    const started = performance.now();
    await this.consumer!.commit({ offsets: nextOffsets(records), outputs, state });
    this.lastCommitMs = performance.now() - started;
    this.processed += records.length;
    this.options.onCommitted?.({ records, changes, writes: state, commitMs: performance.now() - started });
  }

  /** Lag of this task's partitions. */
  async lag() {
    return this.consumer ? this.consumer.lag() : [];
  }

  get assignment(): readonly TopicPartition[] {
    return this.consumer?.assignment() ?? [];
  }

  /** Stops after the batch in flight is committed, and leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    await this.inflightCommit;
    if (this.consumer !== undefined && this.pending.length > 0 && this.commitFailure === undefined) await this.commitPending().catch(() => undefined);
    await this.consumer?.close();
  }
}

/** The offset to resume from for each partition in a batch: last offset + 1. */
export function nextOffsets(records: readonly LogRecord[]): PartitionOffset[] {
  const last = new Map<string, PartitionOffset>();
  for (const r of records) last.set(`${r.topic}/${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  return [...last.values()];
}
