/**
 * The schema registry's records on a compacted Kafka topic (one partition, like Confluent's
 * `_schemas`): every instance of a deployment folds the same records to the same subjects, ids and
 * levels, whichever instance registered them.
 *
 * One writer at a time without electing a leader: every instance writes under one transactional
 * id. A change first calls InitProducerId, which fences every other writer (their open transaction
 * is aborted, a later send of theirs fails) and returns only once the previous writer's
 * transaction is complete; then it reads the topic to its last stable offset, decides on what it
 * read, and commits its records in a transaction. If another instance initialised in between, the
 * commit fails as fenced and the change runs again on the records that instance added. So a check
 * (the next id, the next version, compatibility) always holds for the records it is appended after.
 */
import { Producer, type Consumer as ClientConsumer } from '@platformatic/kafka';
import type { RegistryRecord, RegistryValue } from '../../events/registry/registry-records.ts';
import type { SchemaStore, StoreChange } from '../../events/registry/schema-store.ts';
import { readCommitted, stableEnd } from './changelog.ts';
import type { KafkaLog } from './kafka-log.ts';
import { baseClientOptions } from './options.ts';

export interface KafkaSchemaStoreOptions {
  /** The compacted topic of the registry's records. */
  readonly topic: string;
  /** The one transactional id every writer of this registry shares. Default `<topic>-writer`. */
  readonly transactionalId?: string;
  /** Replication factor of the topic if it is created here. Default: the log's. */
  readonly replicationFactor?: number;
  /** How often a change is tried when other writers keep fencing it. Default 10. */
  readonly maxAttempts?: number;
}

const PARTITION = 0;
/** How long a writer waits for its own committed records to become readable, ms. */
const READ_BACK_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens the store, creating its topic when missing. */
export async function openKafkaSchemaStore(log: KafkaLog, options: KafkaSchemaStoreOptions): Promise<KafkaSchemaStore> {
  await log.ensureTopics([{ name: options.topic, partitions: 1, compacted: true, replicationFactor: options.replicationFactor }]);
  return new KafkaSchemaStore(log, options);
}

export class KafkaSchemaStore implements SchemaStore {
  readonly shared = true;
  private readonly records: RegistryRecord[] = [];
  /** The next offset to read. */
  private position = 0;
  /** The offset this store's own last commit ends at: reads wait until they are past it. */
  private ownEnd = 0;
  private producer: Producer | undefined;
  private readonly reader: ClientConsumer;
  private readonly transactionalId: string;
  private reads: Promise<unknown> = Promise.resolve();
  private writes: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly log: KafkaLog,
    private readonly options: KafkaSchemaStoreOptions,
  ) {
    this.reader = log.offsets;
    this.transactionalId = options.transactionalId ?? `${options.topic}-writer`;
  }

  /** Appends as a change that ignores what is there (for tests of the contract). */
  append(records: readonly RegistryRecord[]): Promise<void> {
    return this.update(() => records);
  }

  async load(): Promise<RegistryRecord[]> {
    this.check();
    await this.catchUp();
    return this.records.map(copy);
  }

  update(change: StoreChange): Promise<void> {
    // One change of this instance at a time (others are fenced by the transactional id).
    const run = this.writes.then(() => this.tryUpdate(change));
    this.writes = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes;
    await this.producer?.close().catch(() => undefined);
  }

  private async tryUpdate(change: StoreChange): Promise<void> {
    this.check();
    const attempts = this.options.maxAttempts ?? 10;
    for (let attempt = 1; ; attempt++) {
      let decided: readonly RegistryRecord[] | undefined;
      try {
        const producer = await this.fence();
        await this.catchUp();
        // What `change` throws is its answer, not Kafka's trouble: it is not retried.
        try {
          decided = change(this.records.map(copy));
        } catch (error) {
          throw new ChangeRefused(error);
        }
        if (decided.length > 0) await this.commit(producer, decided);
        return;
      } catch (error) {
        if (error instanceof ChangeRefused) throw error.reason;
        // Fenced by another writer (a broker may answer that as an unknown server error), or a
        // transient failure: the change runs again on what is there then. Safe even if the commit
        // did land: the change is decided again on records that include it.
        await this.producer?.close().catch(() => undefined);
        this.producer = undefined;
        if (attempt >= attempts || this.closed) throw error;
        await sleep(Math.min(50 * attempt, 500) * (0.5 + Math.random()));
      }
    }
  }

  /** Appends `records` in one transaction and waits until they are readable. */
  private async commit(producer: Producer, records: readonly RegistryRecord[]): Promise<void> {
    const txn = await producer.beginTransaction();
    let last: number | undefined;
    try {
      const result = await txn.send({
        messages: records.map((r) => ({
          topic: this.options.topic,
          partition: PARTITION,
          key: Buffer.from(r.key, 'utf8'),
          value: r.value === null ? (null as unknown as Buffer) : Buffer.from(JSON.stringify(r.value), 'utf8'),
        })),
      });
      const base = result.offsets?.find((o) => o.topic === this.options.topic)?.offset;
      if (base !== undefined) last = Number(base) + records.length - 1;
      await txn.commit();
    } catch (error) {
      await txn.abort().catch(() => txn.cancel().catch(() => undefined));
      throw error;
    }
    this.ownEnd = Math.max(this.ownEnd, (last ?? (await this.endOffset()) - 1) + 1);
    await this.catchUp();
  }

  /** A producer that has just fenced every other writer (and waited for its transaction to end). */
  private async fence(): Promise<Producer> {
    this.producer ??= new Producer({
      ...baseClientOptions(this.log.options, 'schema-registry'),
      idempotent: true,
      transactionalId: this.transactionalId,
    });
    // producerId/epoch -1: "a new producer" (KIP-360), which bumps the epoch however it ended before.
    const init = await this.producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
    await init.cancel();
    return this.producer;
  }

  /** Reads every committed record up to the last stable offset (and past this store's own last commit). */
  private catchUp(): Promise<void> {
    const run = this.reads.then(async () => {
      const deadline = Date.now() + READ_BACK_MS;
      for (;;) {
        const end = await stableEnd(this.reader, this.options.topic, PARTITION);
        this.position = await readCommitted(this.reader, this.log, this.options.topic, PARTITION, this.position, end, (record, tombstone) => {
          this.records.push({ key: record.key, value: tombstone ? null : parseValue(record.value) });
        });
        if (this.position >= this.ownEnd) return;
        // Committed, but its markers are still being written: the records are not readable yet.
        if (Date.now() > deadline) throw new Error(`the schema registry's own records on ${this.options.topic} did not become readable within ${READ_BACK_MS} ms`);
        await sleep(10);
      }
    });
    this.reads = run.catch(() => undefined);
    return run;
  }

  private async endOffset(): Promise<number> {
    return (await this.log.endOffsets(this.options.topic))[PARTITION] ?? 0;
  }

  private check(): void {
    if (this.closed) throw new Error('the schema store is closed');
  }
}

/** A record's value; one that is not JSON (not written by eddy) folds as nothing (the fold skips it). */
function parseValue(bytes: Buffer): RegistryValue | null {
  try {
    return JSON.parse(bytes.toString('utf8')) as RegistryValue;
  } catch {
    return { kind: 'unreadable' } as unknown as RegistryValue;
  }
}

/** Carries what a change threw through the retry loop untouched. */
class ChangeRefused {
  constructor(readonly reason: unknown) {}
}

const copy = (record: RegistryRecord): RegistryRecord => JSON.parse(JSON.stringify(record)) as RegistryRecord;
