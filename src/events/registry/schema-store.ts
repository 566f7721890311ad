/**
 * Where the registry's records live: append them, load them all back in order. The registry's
 * state is a fold over what `load` returns (registry-state.ts), so any store that keeps records in
 * order will do: in memory (tests, one process), a SQLite file in the data directory (the
 * embedded deployment, sqlite-schema-store.ts), or a compacted Kafka topic later, every instance
 * folding the same records to the same ids. One writer at a time: the registry serializes its own
 * appends; a store shared by several instances needs one writer (Confluent elects a leader), else
 * two may hand out the same id, of which the fold keeps the first.
 * test/events/registry/schema-store.test.ts is the contract every implementation passes.
 */
import type { RegistryRecord } from './registry-records.ts';

export interface SchemaStore {
  /** Stores the records, in order, after every record appended before; resolves once they are durable. */
  append(records: readonly RegistryRecord[]): Promise<void>;
  /** Every record appended so far, in append order. */
  load(): Promise<RegistryRecord[]>;
  close(): Promise<void>;
}

/** Records in this process only. */
export class MemorySchemaStore implements SchemaStore {
  private readonly records: RegistryRecord[] = [];
  private closed = false;

  async append(records: readonly RegistryRecord[]): Promise<void> {
    if (this.closed) throw new Error('the schema store is closed');
    // Copies through JSON, as every other store does: what is loaded never aliases what was appended.
    for (const record of records) this.records.push(JSON.parse(JSON.stringify(record)) as RegistryRecord);
  }

  async load(): Promise<RegistryRecord[]> {
    if (this.closed) throw new Error('the schema store is closed');
    return this.records.map((record) => JSON.parse(JSON.stringify(record)) as RegistryRecord);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
