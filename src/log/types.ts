/**
 * The Log: eddy's only view of its message log. The embedded store and Apache Kafka both sit
 * behind it, so the same topology runs in one process or across many (test/log/contract.ts runs
 * one contract test against every implementation).
 */

/** A topic and how it is laid out. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Keep only the newest record per key (catalogue, changelogs). */
  readonly compacted?: boolean;
  readonly replicationFactor?: number;
}

/** A record to append. The key picks the partition (same key, same partition, in order). */
export interface AppendRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** Event time in epoch ms; defaults to the append time. */
  readonly timestamp?: number;
  /**
   * Producer-side idempotency key (an event_id): a record whose key was appended before, within the
   * log's de-duplication horizon, is not appended again and is reported as a duplicate.
   */
  readonly dedupKey?: string;
}

/** A record read back from the log. */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: Buffer;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** The next offset to read for a partition (Kafka's convention: last processed + 1). */
export interface PartitionOffset extends TopicPartition {
  readonly offset: number;
}

export interface PartitionLag extends PartitionOffset {
  readonly end: number;
  readonly lag: number;
}

/** One change to a keyed state store, as written to its changelog. `value: null` deletes. */
export interface StateWrite {
  readonly store: string;
  readonly partition: number;
  readonly key: string;
  readonly value: Buffer | null;
}

/**
 * What a processing step commits atomically: its outputs, its state changes and the offsets it has
 * consumed. Exactly-once rests on this: after a crash, either all of it happened or none of it.
 */
export interface CommitBatch {
  readonly offsets: readonly PartitionOffset[];
  readonly outputs: readonly AppendRecord[];
  readonly state: readonly StateWrite[];
}

export interface AppendResult {
  /** For each appended record, in order: true when it was a duplicate and so not appended. */
  readonly duplicate: readonly boolean[];
}

/** Called when partitions are assigned to or revoked from a group member. */
export interface RebalanceListener {
  onAssigned?(partitions: readonly TopicPartition[], consumer: Consumer): Promise<void> | void;
  onRevoked?(partitions: readonly TopicPartition[]): Promise<void> | void;
}

/** A member of a consumer group. */
export interface Consumer {
  /** Partitions currently assigned to this member. */
  assignment(): readonly TopicPartition[];
  /**
   * Waits up to `maxWaitMs` for records on the assigned partitions and returns at most `maxRecords`
   * (an empty array on time-out). Records of one partition come in offset order.
   */
  poll(maxRecords: number, maxWaitMs: number): Promise<LogRecord[]>;
  /** Commits outputs, state changes and consumed offsets in one transaction. */
  commit(batch: CommitBatch): Promise<void>;
  /** Replays the persisted state of a store for the given partitions (restore after start or rebalance). */
  restore(store: string, partitions: readonly number[], apply: (key: string, value: Buffer) => void): Promise<void>;
  /** Committed offset and end offset of every assigned partition. */
  lag(): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

export interface SubscribeOptions {
  readonly group: string;
  readonly topics: readonly string[];
  readonly listener?: RebalanceListener;
  /** Stable id of this member (transactional id prefix in Kafka). */
  readonly memberId?: string;
}

export interface Log {
  readonly kind: 'embedded' | 'kafka';
  /** Creates missing topics; existing ones are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Appends records; resolves once they are durable. */
  append(records: readonly AppendRecord[]): Promise<AppendResult>;
  /** Joins a consumer group. */
  subscribe(options: SubscribeOptions): Promise<Consumer>;
  /** End offset (next offset to be written) of each partition of a topic. */
  endOffsets(topic: string): Promise<number[]>;
  /** Number of partitions of a topic. */
  partitionsOf(topic: string): number;
  close(): Promise<void>;
}
