// The SchemaStore contract, run against every implementation: records come back in append order,
// as they were appended (tombstones too), and a durable store keeps them across a reopen.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  configRecord,
  MemorySchemaStore,
  openSqliteSchemaStore,
  schemaRecord,
  SCHEMA_STORE_FILE,
  tombstone,
  versionRecord,
  type SchemaStore,
} from '../../../src/events/registry/index.ts';

interface Implementation {
  readonly name: string;
  open(): SchemaStore;
  /** Opens the same store again after `close` (durable stores only). */
  reopen?(): SchemaStore;
}

const dir = mkdtempSync(join(tmpdir(), 'eddy-schema-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let current = '';

const IMPLEMENTATIONS: readonly Implementation[] = [
  { name: 'MemorySchemaStore', open: () => new MemorySchemaStore() },
  { name: 'SqliteSchemaStore (:memory:)', open: () => openSqliteSchemaStore(':memory:') },
  {
    name: 'SqliteSchemaStore (data directory)',
    open: () => openSqliteSchemaStore((current = join(dir, `d${n++}`))),
    reopen: () => openSqliteSchemaStore(current),
  },
];

const schema = schemaRecord({ id: 3, schemaType: 'AVRO', schema: '"string"' });
const version = versionRecord({ subject: 'orders-value', version: 1, id: 3, deleted: false });
const softDeleted = versionRecord({ subject: 'orders-value', version: 1, id: 3, deleted: true });
const level = configRecord('orders-value', 'FULL');
const global = configRecord(null, 'NONE');

for (const impl of IMPLEMENTATIONS) {
  describe(`SchemaStore contract: ${impl.name}`, () => {
    it('a new store loads nothing', async () => {
      const store = impl.open();
      assert.deepEqual(await store.load(), []);
      await store.close();
    });

    it('loads every record in append order, values and tombstones as appended', async () => {
      const store = impl.open();
      await store.append([schema, version]);
      await store.append([level]);
      await store.append([softDeleted, tombstone(version.key), global, tombstone(level.key)]);
      assert.deepEqual(await store.load(), [schema, version, level, softDeleted, tombstone(version.key), global, tombstone(level.key)]);
      await store.close();
    });

    it('what is loaded is a copy: changing it changes nothing stored', async () => {
      const store = impl.open();
      const mine = { ...version, value: { ...version.value! } };
      await store.append([mine]);
      (mine.value as { id: number }).id = 99;
      const loaded = await store.load();
      (loaded[0].value as { id: number }).id = 98;
      assert.deepEqual(await store.load(), [version]);
      await store.close();
    });

    it('appends in the order they were called, even when not awaited one by one', async () => {
      const store = impl.open();
      const records = Array.from({ length: 20 }, (_, i) => configRecord(`s${i}`, 'BACKWARD'));
      await Promise.all(records.map((r) => store.append([r])));
      assert.deepEqual(await store.load(), records);
      await store.close();
    });

    if (impl.reopen !== undefined) {
      it('keeps its records across close and reopen', async () => {
        const store = impl.open();
        await store.append([schema, version, level]);
        await store.close();
        const again = impl.reopen!();
        assert.deepEqual(await again.load(), [schema, version, level]);
        await again.append([global]);
        assert.deepEqual(await again.load(), [schema, version, level, global]);
        await again.close();
      });
    }
  });
}

it(`the data-directory store is one file, ${SCHEMA_STORE_FILE}`, async () => {
  const store = openSqliteSchemaStore(join(dir, 'named'));
  await store.close();
  const { existsSync } = await import('node:fs');
  assert.ok(existsSync(join(dir, 'named', SCHEMA_STORE_FILE)));
});
