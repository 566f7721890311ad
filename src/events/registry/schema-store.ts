/**
 * Where the registry's records live: append them, load them all back in order. The registry's
 * state is a fold over what `load` returns (registry-state.ts), so any store that keeps records in
 * order will do: in memory (tests, one process), a SQLite file in the data directory (the
 * embedded deployment, sqlite-schema-store.ts), or a compacted Kafka topic that every instance
 * folds to the same ids (src/log/kafka/kafka-schema-store.ts). Every change goes through `update`,
 * which runs it as the store's only writer: a check made on the records it was given still holds
 * when its records are appended, so two instances registering at once never hand out one id twice.
 * test/events/registry/schema-store.test.ts is the contract every implementation passes.
 */
import type { RegistryRecord } from './registry-records.ts';

/** What a change appends, given every record so far; throwing appends nothing and rejects `update`. */
export type StoreChange = (records: readonly RegistryRecord[]) => readonly RegistryRecord[];

export interface SchemaStore {
  /** Stores the records, in order, after every record appended before; resolves once they are durable. */
  append(records: readonly RegistryRecord[]): Promise<void>;
  /** Every record appended so far (by any writer of a shared store), in append order. */
  load(): Promise<RegistryRecord[]>;
  /**
   * Runs `change` on every record so far and appends what it answers, with no other writer's
   * record in between. A shared store runs `change` again when another writer got in first, so
   * `change` must be a pure function of the records it is given.
   */
  update(change: StoreChange): Promise<void>;
  close(): Promise<void>;
  /** Other instances write to it too: reads fetch their records first (SchemaRegistry.catchUp). */
  readonly shared?: boolean;
}

/** Records in this process only. */
export class MemorySchemaStore implements SchemaStore {
  private readonly records: RegistryRecord[] = [];
  private closed = false;

  async append(records: readonly RegistryRecord[]): Promise<void> {
    if (this.closed) throw new Error('the schema store is closed');
    // Copies through JSON, as every other store does: what is loaded never aliases what was appended.
    for (const record of records) this.records.push(copy(record));
  }

  async load(): Promise<RegistryRecord[]> {
    if (this.closed) throw new Error('the schema store is closed');
    return this.records.map(copy);
  }

  async update(change: StoreChange): Promise<void> {
    if (this.closed) throw new Error('the schema store is closed');
    // Synchronous from the read to the write: no other update runs in between.
    for (const record of change(this.records.map(copy))) this.records.push(copy(record));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const copy = (record: RegistryRecord): RegistryRecord => JSON.parse(JSON.stringify(record)) as RegistryRecord;
