/**
 * The registry's records in the embedded deployment's data directory: one SQLite file beside the
 * embedded log's (`schema-registry.db`; the log's `eddy.db` is the log layer's, which this layer
 * does not reach into), a table in append order. Registrations are rare, so every append is one
 * fully synced transaction.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RegistryRecord, RegistryValue } from './registry-records.ts';
import type { SchemaStore, StoreChange } from './schema-store.ts';

export const SCHEMA_STORE_FILE = 'schema-registry.db';

/** Opens (or creates) the store in `dataDir`; `:memory:` keeps it in memory (tests). */
export function openSqliteSchemaStore(dataDir: string): SqliteSchemaStore {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, SCHEMA_STORE_FILE);
  }
  return new SqliteSchemaStore(new Database(file));
}

export class SqliteSchemaStore implements SchemaStore {
  private readonly insert;
  private readonly select;
  private readonly appendAll;
  private readonly updateAll;

  constructor(private readonly db: Database.Database) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE IF NOT EXISTS registry_records (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT)');
    this.insert = db.prepare<[string, string | null]>('INSERT INTO registry_records (key, value) VALUES (?, ?)');
    this.select = db.prepare<[], { key: string; value: string | null }>('SELECT key, value FROM registry_records ORDER BY seq');
    this.appendAll = db.transaction((records: readonly RegistryRecord[]) => {
      for (const record of records) this.insert.run(record.key, record.value === null ? null : JSON.stringify(record.value));
    });
    this.updateAll = db.transaction((change: StoreChange) => this.appendAll(change(this.rows())));
  }

  async append(records: readonly RegistryRecord[]): Promise<void> {
    this.appendAll(records);
  }

  async load(): Promise<RegistryRecord[]> {
    return this.rows();
  }

  async update(change: StoreChange): Promise<void> {
    // BEGIN IMMEDIATE: takes the write lock before reading, so another process sharing the file
    // cannot append between this read and this write.
    this.updateAll.immediate(change);
  }

  private rows(): RegistryRecord[] {
    return this.select.all().map((row) => ({ key: row.key, value: row.value === null ? null : (JSON.parse(row.value) as RegistryValue) }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
