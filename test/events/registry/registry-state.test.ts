// The registry's state is a pure fold over its records: the same records give the same ids in
// every instance, a compacted log (last record per key, tombstones dropped) folds to the same
// state, stray records change nothing, and a registry reopened on its store sees what it wrote.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topicNames } from '../../../src/pipeline/topics.ts';
import {
  BUILT_IN_SCHEMAS,
  eddySubjects,
  FIRST_REGISTERED_ID,
  MemorySchemaStore,
  openSqliteSchemaStore,
  RegistryState,
  schemaRecord,
  SchemaRegistry,
  versionRecord,
  type RegistryRecord,
} from '../../../src/events/registry/index.ts';
import { EVENT_V1_SCHEMA_ID, ITEM_V1_SCHEMA_ID } from '../../../src/events/codec/index.ts';
import { record } from './registry-app.ts';

const avro = (fields: object[]) => ({ schema: JSON.stringify(record(fields)) });
const id = { name: 'id', type: 'string' };

/** What a compacted topic keeps: the last record of each key, in its place; tombstones dropped. */
function compact(records: readonly RegistryRecord[]): RegistryRecord[] {
  const last = new Map(records.map((r, i) => [r.key, i]));
  return records.filter((r, i) => last.get(r.key) === i && r.value !== null);
}

/** The state as plain data, for comparing two folds. */
const snapshot = (state: RegistryState) => ({
  schemas: [...state.schemas.values()].sort((a, b) => a.id - b.id),
  subjects: [...state.subjects.keys()].sort().map((s) => state.versionsOf(s, true)),
  levels: [...state.levels].sort(),
  nextId: state.nextId,
});

async function busyRegistry(store: MemorySchemaStore): Promise<SchemaRegistry> {
  const registry = await SchemaRegistry.open({ store });
  await registry.register('a-value', avro([id]));
  await registry.register('a-value', avro([id, { name: 'x', type: 'int', default: 0 }]));
  await registry.register('b-value', avro([id])); // the same schema: the same id
  await registry.register('c-value', avro([id, { name: 'y', type: 'string' }]));
  await registry.setLevel('a-value', 'FULL');
  await registry.setLevel(null, 'FORWARD');
  await registry.deleteVersion('a-value', 1);
  await registry.deleteSubject('c-value');
  await registry.deleteSubject('c-value', true);
  await registry.deleteLevel('a-value');
  await registry.register('d-value', avro([id, { name: 'z', type: 'long' }]));
  return registry;
}

describe('the registry state', () => {
  it('ids start above eddy\'s built-in ids, which every registry knows', async () => {
    assert.equal(FIRST_REGISTERED_ID, Math.max(EVENT_V1_SCHEMA_ID, ITEM_V1_SCHEMA_ID) + 1);
    const registry = await SchemaRegistry.open();
    assert.deepEqual(BUILT_IN_SCHEMAS.map((s) => registry.schemaById(s.id).schema), BUILT_IN_SCHEMAS.map((s) => s.schema));
    assert.equal((await registry.register('x-value', avro([id]))).id, FIRST_REGISTERED_ID);
    const subjects = eddySubjects();
    assert.deepEqual(registry.version(subjects.event, 'latest').id, EVENT_V1_SCHEMA_ID);
    assert.deepEqual(registry.version(subjects.item, 1).id, ITEM_V1_SCHEMA_ID);
  });

  it('eddy\'s subjects are the value subjects of its topics, under the topic prefix', () => {
    const topics = topicNames('t1.');
    assert.deepEqual(eddySubjects('t1.'), { event: `${topics.interactions}-value`, item: `${topics.catalog}-value` });
  });

  it('the same records fold to the same state, and so does their compaction', async () => {
    const store = new MemorySchemaStore();
    const registry = await busyRegistry(store);
    const records = await store.load();
    const folded = RegistryState.fold(records);
    assert.deepEqual(snapshot(RegistryState.fold(await store.load())), snapshot(folded));
    assert.deepEqual(snapshot(RegistryState.fold(compact(records))), snapshot(folded));
    assert.equal(folded.skipped, 0, 'the registry writes no record the fold skips');
    assert.deepEqual(registry.versions('a-value', true), [1, 2]);
    assert.equal(registry.level(null), 'FORWARD');
    assert.equal((await registry.register('e-value', avro([id, { name: 'w', type: 'float' }]))).id, 7, 'c-value\'s permanently deleted id is not given again');
  });

  it('a schema record whose id is not the next one, or whose text has an id, is skipped', () => {
    const text = JSON.stringify(record([id]));
    const state = RegistryState.fold([
      schemaRecord({ id: 3, schemaType: 'AVRO', schema: text }),
      schemaRecord({ id: 5, schemaType: 'AVRO', schema: '"int"' }), // not the next id
      schemaRecord({ id: 4, schemaType: 'AVRO', schema: text }), // a second id for one text
      versionRecord({ subject: 's', version: 1, id: 9, deleted: false }), // an unknown id
      { key: '["mode",null]', value: null }, // a key of a later eddy
    ]);
    assert.deepEqual([...state.schemas.keys()], [1, 2, 3]);
    assert.equal(state.nextId, 4);
    assert.equal(state.subjects.size, 0);
    assert.equal(state.skipped, 4);
  });

  it('a registry reopened on its data-directory store sees what it wrote, and hands out the next id', async () => {
    const store = openSqliteSchemaStore(':memory:');
    const first = await SchemaRegistry.open({ store });
    await first.register('a-value', avro([id]));
    await first.setLevel('a-value', 'NONE');
    const second = await SchemaRegistry.open({ store });
    assert.deepEqual(second.version('a-value', 1), first.version('a-value', 1));
    assert.equal(second.level('a-value'), 'NONE');
    assert.equal((await second.register('b-value', avro([{ name: 'q', type: 'int' }]))).id, 4);
    await first.refresh();
    assert.equal(first.version('b-value', 'latest').id, 4, 'refresh reads what another writer appended');
    await second.close();
  });

  it('concurrent registrations are serialized: distinct ids, consecutive versions', async () => {
    const registry = await SchemaRegistry.open({ topicPrefix: 'p.' });
    await registry.setLevel('s-value', 'NONE');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => registry.register('s-value', avro([{ name: `f${i}`, type: 'int' }]))));
    assert.deepEqual(results.map((r) => r.version), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(results.map((r) => r.id), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual(registry.subjects(), ['p.content_catalog-value', 'p.user_interactions-value', 's-value']);
  });
});
