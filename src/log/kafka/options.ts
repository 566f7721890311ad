/**
 * Options of the Kafka Log and how they map onto @platformatic/kafka 1.35 (a pure TypeScript client,
 * so some Java producer settings have no direct equivalent; each field says what it becomes).
 */
import type { ConnectionOptions } from '@platformatic/kafka';
import type { Warn } from '../../ops/warnings.ts';

/**
 * Producer-side de-duplication of `AppendRecord.dedupKey` (event_id). Kafka itself only
 * de-duplicates retries of one idempotent producer session, not a client's re-send of the same
 * event, so an index (e.g. Redis SET NX with a TTL) can be plugged in. Without one, `append` reports
 * no duplicates and the stream processor de-duplicates by event_id downstream.
 */
export interface DedupIndex {
  /** For each key: was it appended before (within the index's horizon)? */
  seen(keys: string[]): Promise<boolean[]>;
  /** Remembers keys once their records are acknowledged. */
  mark(keys: string[]): Promise<void>;
}

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaLogOptions {
  /** Bootstrap brokers: `host:port` strings or one comma-separated string. Required. */
  readonly brokers: string | readonly string[];
  /** Client id sent to the brokers. Default `eddy`. */
  readonly clientId?: string;
  /**
   * Acknowledgements per produce request: `all` (default: every in-sync replica, with
   * `min.insync.replicas` the durable choice), `leader`, or `none`. Anything but `all` needs
   * `idempotence: false` (Kafka's idempotent producer requires acks=all).
   */
  readonly acks?: 'all' | 'leader' | 'none';
  /**
   * linger.ms: how long `append` waits to coalesce concurrent appends into one produce request.
   * Default 2 ms. (The client has no accumulator of its own; this log batches in front of it.)
   */
  readonly lingerMs?: number;
  /**
   * batch.size, in bytes of record keys + values: the largest single produce request the append
   * queue builds (Java's is per partition; here it is per request, all partitions). Default 1 MiB.
   */
  readonly batchBytes?: number;
  /**
   * buffer.memory: bytes of appended but not yet acknowledged records. When full, `append` waits
   * up to `maxBlockMs` for room and then rejects with `KafkaBufferFullError` (backpressure, which
   * ingest turns into 429/503). Default 32 MiB.
   */
  readonly bufferMemory?: number;
  /** max.block.ms: see `bufferMemory`. Default 5000. */
  readonly maxBlockMs?: number;
  /** compression.type: none (default), gzip, snappy, lz4 (built into the client); zstd needs Node's zlib zstd (Node >= 22.15). */
  readonly compression?: KafkaCompression;
  /**
   * retries: how often a failed request is retried (client `retries`). Default 10. An idempotent
   * producer retries without duplicates or reordering (the client keeps one request in flight).
   */
  readonly retries?: number;
  /** retry.backoff.ms: pause between retries (client `retryDelay`). Default 250. */
  readonly retryBackoffMs?: number;
  /**
   * request.timeout.ms (client `timeout`). The client also uses it as the transaction timeout in
   * InitProducerId, so it bounds how long an abandoned transaction blocks read_committed readers
   * when no restarted member fences it. Default 30000.
   */
  readonly requestTimeoutMs?: number;
  /** enable.idempotence for `append`. Default true (transactions always use an idempotent producer). */
  readonly idempotence?: boolean;
  /** Replication factor of topics this log creates, unless the TopicSpec says otherwise. Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** min.insync.replicas of topics this log creates. Default: the broker's setting. */
  readonly minInsyncReplicas?: number;
  /** SASL settings, passed through to the client (mechanism PLAIN, SCRAM-SHA-256/512, OAUTHBEARER, ...). */
  readonly sasl?: ConnectionOptions['sasl'];
  /** TLS settings (Node's `tls.connect` options), passed through; `true` for TLS with defaults. */
  readonly tls?: ConnectionOptions['tls'] | true;
  /** Producer-side event_id de-duplication; see DedupIndex. Default none. */
  readonly dedup?: DedupIndex;
  /** Consumer: group session.timeout.ms. Default 30000. */
  readonly sessionTimeoutMs?: number;
  /** Consumer: heartbeat.interval.ms; a rebalance reaches this member within one interval. Default 3000. */
  readonly heartbeatIntervalMs?: number;
  /** Consumer: fetch.max.wait.ms. Default 500. */
  readonly fetchMaxWaitMs?: number;
  /** Consumer: fetch.max.bytes. Default 8 MiB (max.partition.fetch.bytes: 1 MiB). */
  readonly fetchMaxBytes?: number;
  /** Consumer: records fetched ahead of `poll`; fetching pauses when the buffer holds this many. Default 20000. */
  readonly maxBufferedRecords?: number;
  /** Partitions of changelog topics when no subscribed topic tells (normally: the most partitions of the subscribed topics). */
  readonly changelogPartitions?: number;
  /**
   * Told of trouble a consumer rides out in the background (a heartbeat or rejoin that failed, a
   * restore or fetch being retried): what an operator reads when a member stops making progress.
   * The same message is told at most once per 10 s. Default: nobody.
   */
  readonly warn?: Warn;
}

export interface ResolvedKafkaLogOptions {
  readonly brokers: string[];
  readonly clientId: string;
  readonly acks: -1 | 1 | 0;
  readonly lingerMs: number;
  readonly batchBytes: number;
  readonly bufferMemory: number;
  readonly maxBlockMs: number;
  readonly compression: KafkaCompression;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly requestTimeoutMs: number;
  readonly idempotence: boolean;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number | undefined;
  readonly connection: Pick<ConnectionOptions, 'sasl' | 'tls'>;
  readonly dedup: DedupIndex | undefined;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fetchMaxWaitMs: number;
  readonly fetchMaxBytes: number;
  readonly maxBufferedRecords: number;
  readonly changelogPartitions: number | undefined;
  readonly warn: Warn | undefined;
}

const ACKS = { all: -1, leader: 1, none: 0 } as const;

export function resolveOptions(options: KafkaLogOptions): ResolvedKafkaLogOptions {
  const brokers = (typeof options.brokers === 'string' ? options.brokers.split(',') : [...options.brokers]).map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KafkaLogOptions.brokers: at least one broker is required');
  const idempotence = options.idempotence ?? true;
  const acks = ACKS[options.acks ?? 'all'];
  if (idempotence && acks !== -1) throw new Error(`KafkaLogOptions.acks=${options.acks} needs idempotence: false (idempotent producers use acks=all)`);
  const connection: Pick<ConnectionOptions, 'sasl' | 'tls'> = {};
  if (options.sasl) connection.sasl = options.sasl;
  if (options.tls) connection.tls = options.tls === true ? {} : options.tls;
  return {
    brokers,
    clientId: options.clientId ?? 'eddy',
    acks,
    lingerMs: options.lingerMs ?? 2,
    batchBytes: options.batchBytes ?? 1 << 20,
    bufferMemory: options.bufferMemory ?? 32 << 20,
    maxBlockMs: options.maxBlockMs ?? 5000,
    compression: options.compression ?? 'none',
    retries: options.retries ?? 10,
    retryBackoffMs: options.retryBackoffMs ?? 250,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    idempotence,
    replicationFactor: options.replicationFactor ?? -1,
    minInsyncReplicas: options.minInsyncReplicas,
    connection,
    dedup: options.dedup,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
    fetchMaxWaitMs: options.fetchMaxWaitMs ?? 500,
    fetchMaxBytes: options.fetchMaxBytes ?? 8 << 20,
    maxBufferedRecords: options.maxBufferedRecords ?? 20_000,
    changelogPartitions: options.changelogPartitions,
    warn: options.warn,
  };
}

/** The options every client (producer, consumer, admin) shares. */
export function baseClientOptions(o: ResolvedKafkaLogOptions, role: string) {
  return {
    clientId: `${o.clientId}-${role}`,
    bootstrapBrokers: o.brokers,
    retries: o.retries,
    // CONCURRENT_TRANSACTIONS (the previous transaction's markers are still being written) clears
    // within milliseconds; Java retries it after 20 ms. A flat retry.backoff.ms there would add
    // ~100+ ms to every commit that follows another. On a loaded broker the markers can take a few
    // hundred ms, so the pause grows (20, 40, ... 200 ms: about a second over the default retries).
    retryDelay: (_client: unknown, _op: string, attempt: number, _retries: number, error: Error) =>
      (error as { findBy?: (k: string, v: unknown) => unknown }).findBy?.('apiId', 'CONCURRENT_TRANSACTIONS') ? Math.min(20 * Math.max(1, attempt), 200) : o.retryBackoffMs,
    timeout: o.requestTimeoutMs,
    ...o.connection,
  };
}

/** Name of the compacted changelog topic of a state store. */
export function changelogTopic(group: string, store: string): string {
  return `${group}-${store}-changelog`;
}

/** The commit failed because the group rebalanced since the records were polled; nothing was committed. */
export class KafkaRebalanceError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaRebalanceError';
  }
}

/**
 * A commit failed for another reason than a rebalance or fencing (a broker error that outlasted the
 * retries); nothing was committed and the member has rewound to its last commit and restored state,
 * so the caller drops its batch and goes on.
 */
/**
 * An append the cluster did not acknowledge (a leader moving, brokers unreachable). Some of its
 * records may be in the log all the same; appending them again is safe (the processor drops a
 * second copy of an event by event_id), so ingest answers 503 and the client retries.
 */
export class KafkaAppendError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaAppendError';
  }
}

export class KafkaCommitError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaCommitError';
  }
}

/** The append buffer stayed full for max.block.ms. */
export class KafkaBufferFullError extends Error {
  /** Backpressure: the same append may be taken once the buffer drains. */
  readonly retriable = true;
  constructor(message: string) {
    super(message);
    this.name = 'KafkaBufferFullError';
  }
}

/** True when a client error (or one of the errors it aggregates) carries the Kafka error `id`. */
export function hasKafkaError(error: unknown, id: string): boolean {
  const e = error as { findBy?: (k: string, v: unknown) => unknown; message?: string } | undefined;
  if (e && typeof e.findBy === 'function' && e.findBy('apiId', id)) return true;
  return typeof e?.message === 'string' && e.message.includes(id);
}
