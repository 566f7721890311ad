// The SchemaStore contract, run against every implementation: records come back in append order,
// as they were appended (tombstones too), a durable store keeps them across a reopen, and `update`
// is exclusive: two handles of one shared store (two instances) never append between another's
// read and write. The Kafka store runs against a real broker.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it as itTest } from 'node:test';
import {
  configRecord,
  MemorySchemaStore,
  openSqliteSchemaStore,
  schemaRecord,
  SCHEMA_STORE_FILE,
  tombstone,
  versionRecord,
  type RegistryRecord,
  type SchemaStore,
} from '../../../src/events/registry/index.ts';
import { openKafkaLog, type KafkaLog } from '../../../src/log/kafka/kafka-log.ts';
import { openKafkaSchemaStore } from '../../../src/log/kafka/kafka-schema-store.ts';
import { withKafka, type TestKafka } from '../../support/kafka.ts';
import { skipOutsideCi } from '../../support/skip.ts';

interface Implementation {
  readonly name: string;
  open(): SchemaStore | Promise<SchemaStore>;
  /** Opens the same store again after `close` (durable stores only). */
  reopen?(): SchemaStore | Promise<SchemaStore>;
  /** Another handle onto the store `open` opened last, as another instance would hold (shared stores only). */
  share?(): SchemaStore | Promise<SchemaStore>;
}

let kafka: TestKafka | null = null;
const logs: KafkaLog[] = [];
before(async () => {
  kafka = await withKafka();
  if (kafka) for (let i = 0; i < 2; i++) logs.push(await openKafkaLog({ brokers: kafka.bootstrap, replicationFactor: 1, clientId: `schema-store-${i}` }));
});
after(async () => {
  for (const log of logs) await log.close();
  await kafka?.stop();
});
let topic = '';
const kafkaStore = (log: number) => openKafkaSchemaStore(logs[log], { topic });

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
    share: () => openSqliteSchemaStore(current),
  },
  {
    name: 'KafkaSchemaStore',
    open: () => kafkaStore(0 * (topic = `_eddy_schemas_${process.pid}_${n++}`).length),
    reopen: () => kafkaStore(1),
    share: () => kafkaStore(1),
  },
];

const schema = schemaRecord({ id: 3, schemaType: 'AVRO', schema: '"string"' });
const version = versionRecord({ subject: 'orders-value', version: 1, id: 3, deleted: false });
const softDeleted = versionRecord({ subject: 'orders-value', version: 1, id: 3, deleted: true });
const level = configRecord('orders-value', 'FULL');
const global = configRecord(null, 'NONE');

for (const impl of IMPLEMENTATIONS) {
  describe(`SchemaStore contract: ${impl.name}`, () => {
    // The Kafka store needs a broker; with CI=true a missing one fails the test instead.
    const it = (name: string, fn: () => Promise<void>) =>
      itTest(name, async (t) => {
        if (impl.name.startsWith('Kafka') && kafka === null) return skipOutsideCi(t, 'no Kafka (Java/Maven missing)');
        await fn();
      });
    it('a new store loads nothing', async () => {
      const store = await impl.open();
      assert.deepEqual(await store.load(), []);
      await store.close();
    });

    it('loads every record in append order, values and tombstones as appended', async () => {
      const store = await impl.open();
      await store.append([schema, version]);
      await store.append([level]);
      await store.append([softDeleted, tombstone(version.key), global, tombstone(level.key)]);
      assert.deepEqual(await store.load(), [schema, version, level, softDeleted, tombstone(version.key), global, tombstone(level.key)]);
      await store.close();
    });

    it('what is loaded is a copy: changing it changes nothing stored', async () => {
      const store = await impl.open();
      const mine = { ...version, value: { ...version.value! } };
      await store.append([mine]);
      (mine.value as { id: number }).id = 99;
      const loaded = await store.load();
      (loaded[0].value as { id: number }).id = 98;
      assert.deepEqual(await store.load(), [version]);
      await store.close();
    });

    it('appends in the order they were called, even when not awaited one by one', async () => {
      const store = await impl.open();
      const records = Array.from({ length: 20 }, (_, i) => configRecord(`s${i}`, 'BACKWARD'));
      await Promise.all(records.map((r) => store.append([r])));
      assert.deepEqual(await store.load(), records);
      await store.close();
    });

    if (impl.reopen !== undefined) {
      it('keeps its records across close and reopen', async () => {
        const store = await impl.open();
        await store.append([schema, version, level]);
        await store.close();
        const again = await impl.reopen!();
        assert.deepEqual(await again.load(), [schema, version, level]);
        await again.append([global]);
        assert.deepEqual(await again.load(), [schema, version, level, global]);
        await again.close();
      });
    }

    it('update hands the change every record and appends what it answers; a change that throws appends nothing', async () => {
      const store = await impl.open();
      await store.append([schema]);
      let seen: unknown;
      await store.update((records) => {
        seen = records;
        return [version];
      });
      assert.deepEqual(seen, [schema]);
      await assert.rejects(
        store.update(() => {
          throw new Error('refused');
        }),
        /refused/,
      );
      await store.update(() => []);
      assert.deepEqual(await store.load(), [schema, version]);
      await store.close();
    });

    if (impl.share !== undefined) {
      it('updates through two handles (two instances) never interleave: each change sees the other one\'s records', async () => {
        const first = await impl.open();
        const second = await impl.share!();
        // Each change names its record after the number of records it saw: an append between
        // another change's read and write would give two records one name.
        const change = (records: readonly RegistryRecord[]) => [configRecord(`n${records.length}`, 'FULL')];
        await Promise.all([...Array.from({ length: 6 }, () => first.update(change)), ...Array.from({ length: 6 }, () => second.update(change))]);
        const keys = (await first.load()).map((r) => r.key);
        assert.deepEqual(keys, Array.from({ length: 12 }, (_, i) => configRecord(`n${i}`, 'FULL').key));
        assert.deepEqual((await second.load()).map((r) => r.key), keys, 'both handles read the same records');
        await first.close();
        await second.close();
      });
    }
  });
}

itTest(`the data-directory store is one file, ${SCHEMA_STORE_FILE}`, async () => {
  const store = openSqliteSchemaStore(join(dir, 'named'));
  await store.close();
  const { existsSync } = await import('node:fs');
  assert.ok(existsSync(join(dir, 'named', SCHEMA_STORE_FILE)));
});
