/**
 * The Kafka Log: eddy's Log interface on Apache Kafka through @platformatic/kafka 1.35.
 *
 * - `ensureTopics` creates missing topics (partitions, replication factor, cleanup.policy=compact,
 *   min.insync.replicas).
 * - `append` produces keyed records with an idempotent producer (acks=all by default); the
 *   partition is murmur2(key) as Kafka's default partitioner picks it (src/log/partitioner.ts), so
 *   eddy and any other Kafka producer agree; resolves once acknowledged.
 * - `subscribe` joins a consumer group (read_committed) and commits consume-transform-produce
 *   batches in Kafka transactions (see kafka-consumer.ts).
 */
import { Admin, Consumer as KafkaClientConsumer, Producer } from '@platformatic/kafka';
import './client-patches.ts';
import type { AppendRecord, AppendResult, Consumer, Log, SubscribeOptions, TopicSpec } from '../types.ts';
import { AppendQueue } from './append-queue.ts';
import { KafkaMember } from './kafka-consumer.ts';
import { baseClientOptions, hasKafkaError, resolveOptions, type KafkaLogOptions, type ResolvedKafkaLogOptions } from './options.ts';

export type { DedupIndex, KafkaLogOptions } from './options.ts';
export { KafkaAppendError, KafkaBufferFullError, KafkaCommitError, KafkaRebalanceError, changelogTopic, hasKafkaError } from './options.ts';

/** Connects to the cluster (fails fast when no broker answers). */
export async function openKafkaLog(options: KafkaLogOptions): Promise<KafkaLog> {
  const log = new KafkaLog(resolveOptions(options));
  try {
    await log.admin.metadata({ topics: [] });
  } catch (error) {
    await log.close().catch(() => undefined);
    throw error;
  }
  return log;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class KafkaLog implements Log {
  readonly kind = 'kafka' as const;
  /** @internal */ readonly admin: Admin;
  /** @internal Used for offset look-ups (never joins a group). */
  readonly offsets: KafkaClientConsumer;
  private readonly queue: AppendQueue;
  private readonly partitions = new Map<string, number>();
  private readonly members = new Set<KafkaMember>();
  private closed = false;

  constructor(readonly options: ResolvedKafkaLogOptions) {
    this.admin = new Admin(baseClientOptions(options, 'admin'));
    this.offsets = new KafkaClientConsumer({ ...baseClientOptions(options, 'offsets'), groupId: `${options.clientId}-offsets-unused` });
    // The queue owns the producer: it replaces it after a failed send (see AppendQueue.renewProducer).
    const producer = () =>
      new Producer({
        ...baseClientOptions(options, 'producer'),
        idempotent: options.idempotence,
        acks: options.acks,
        compression: options.compression,
      });
    this.queue = new AppendQueue(producer, options, (t) => this.partitionsOf(t));
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const existing = new Set(await this.admin.listTopics());
    for (const spec of specs) {
      if (existing.has(spec.name)) continue;
      const configs = [];
      if (spec.compacted) configs.push({ name: 'cleanup.policy', value: 'compact' });
      if (this.options.minInsyncReplicas !== undefined) configs.push({ name: 'min.insync.replicas', value: String(this.options.minInsyncReplicas) });
      try {
        await this.admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: spec.replicationFactor ?? this.options.replicationFactor,
          configs,
        });
      } catch (error) {
        if (!hasKafkaError(error, 'TOPIC_ALREADY_EXISTS')) throw error;
      }
    }
    await this.refreshTopics(specs.map((s) => s.name));
  }

  /** Loads partition counts, waiting (up to 15 s) until every partition of new topics has a leader. */
  async refreshTopics(topics: readonly string[]): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      let ready = true;
      try {
        const md = await this.admin.metadata({ topics: [...topics], forceUpdate: true });
        for (const name of topics) {
          const t = md.topics.get(name);
          if (!t || t.partitions.some((p) => p === undefined || p.leader < 0)) ready = false;
          else this.partitions.set(name, t.partitionsCount);
        }
      } catch (error) {
        if (Date.now() > deadline) throw error;
        ready = false;
      }
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`topics not ready: ${topics.join(', ')}`);
      await sleep(100);
    }
  }

  partitionsOf(topic: string): number {
    const n = this.partitions.get(topic);
    if (n === undefined) throw new Error(`unknown topic ${topic} (call ensureTopics first)`);
    return n;
  }

  /** @internal Partition count, loading it from the cluster when not known yet; undefined if the topic does not exist. */
  async partitionsOrLoad(topic: string): Promise<number | undefined> {
    const known = this.partitions.get(topic);
    if (known !== undefined) return known;
    const names = await this.admin.listTopics();
    if (!names.includes(topic)) return undefined;
    await this.refreshTopics([topic]);
    return this.partitions.get(topic);
  }

  async append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (this.closed) throw new Error('log is closed');
    for (const r of records) if (!this.partitions.has(r.topic)) await this.partitionsOrLoad(r.topic);
    return this.queue.append(records);
  }

  async endOffsets(topic: string): Promise<number[]> {
    const n = await this.partitionsOrLoad(topic);
    if (n === undefined) throw new Error(`unknown topic ${topic}`);
    const offsets = await this.offsets.listOffsets({ topics: [topic], isolationLevel: 0 });
    return (offsets.get(topic) ?? []).map(Number);
  }

  async subscribe(options: SubscribeOptions): Promise<Consumer> {
    if (this.closed) throw new Error('log is closed');
    for (const t of options.topics) {
      if ((await this.partitionsOrLoad(t)) === undefined) throw new Error(`unknown topic ${t}`);
    }
    const member = new KafkaMember(this, options, () => this.members.delete(member));
    this.members.add(member);
    try {
      await member.start();
    } catch (error) {
      await member.close().catch(() => undefined);
      throw error;
    }
    return member;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.close().catch(() => undefined);
    for (const m of [...this.members]) await m.close().catch(() => undefined);
    await Promise.allSettled([this.offsets.close(), this.admin.close()]);
  }
}
