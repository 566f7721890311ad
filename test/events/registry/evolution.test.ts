// Schema evolution on eddy's own subjects: v1 (the built-in event schema, id 1) and a registered
// v2 (an optional field with a default) both decode through the codec; an incompatible v3 is
// refused with 409 naming the field and the rule, and its records stay undecodable. Whatever the
// subject's level, eddy refuses a version its built-in reader type cannot read.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EddyError } from '../../../src/errors.ts';
import { avroType } from '../../../src/events/codec/known-schemas.ts';
import { decodeEventRecord, decodeItemRecord, encodeEventRecord, EVENT_V1_AVRO, ITEM_V1_AVRO, KnownSchemas, type AcceptedEvent } from '../../../src/events/codec/index.ts';
import { bindKnownSchemas, eddySubjects, openSqliteSchemaStore, SchemaRegistry } from '../../../src/events/registry/index.ts';
import { REGISTRY_CONTENT_TYPE } from '../../../src/serving/registry-routes.ts';
import { registryApp, type RegistryApp } from './registry-app.ts';

const subjects = eddySubjects();
const V2 = { ...EVENT_V1_AVRO, fields: [...EVENT_V1_AVRO.fields, { name: 'referrer', type: ['null', 'string'], default: null }] };
// user_id becomes a long: neither the earlier versions nor eddy's reader can read that.
const V3 = { ...V2, fields: V2.fields.map((f) => (f.name === 'user_id' ? { name: 'user_id', type: 'long' } : f)) };

const event: AcceptedEvent = { user_id: 'u1', session_id: 's1', timestamp: 1_764_324_000_000, event_type: 'click', content_id: 'c42', ingested_at: 1_764_324_000_123 };
const body = { ...event, event_id: null, content_id: 'c42', device_type: null, location: null, dwell_ms: null, timezone: null, properties: null, extra: {} };

/** A wire-format record: magic byte, schema id, the Avro body written with `schema`. */
const framed = (id: number, schema: object, value: object) => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, avroType(schema).toBuffer(value)]);
};

let ctx: RegistryApp;
let schemas: KnownSchemas;
before(async () => {
  ctx = await registryApp();
  schemas = new KnownSchemas();
  bindKnownSchemas(ctx.registry, schemas);
});
after(() => ctx.close());

const register = (subject: string, schema: object) =>
  ctx.app.inject({ method: 'POST', url: `/subjects/${subject}/versions`, headers: { 'content-type': REGISTRY_CONTENT_TYPE }, payload: JSON.stringify({ schema: JSON.stringify(schema) }) });

describe('evolving the event schema', () => {
  it('v1 is the built-in schema, id 1, version 1 of the events subject, and decodes', () => {
    const v1 = ctx.registry.version(subjects.event, 'latest');
    assert.deepEqual([v1.version, v1.id], [1, 1]);
    assert.deepEqual(JSON.parse(v1.schema), EVENT_V1_AVRO);
    assert.deepEqual(decodeEventRecord(encodeEventRecord(event), schemas), event);
  });

  it('v2 (an optional field with a default) is accepted, and its records decode into the built-in type', async () => {
    const res = await register(subjects.event, V2);
    assert.equal(res.statusCode, 200, res.body);
    const { id } = JSON.parse(res.body) as { id: number };
    assert.equal(id, 3);
    assert.equal(ctx.registry.version(subjects.event, 'latest').version, 2);
    const bytes = framed(id, V2, { ...body, referrer: 'newsletter' });
    assert.deepEqual(decodeEventRecord(bytes, schemas), event, 'the field v1 does not have is read past');
    assert.deepEqual(decodeEventRecord(encodeEventRecord(event), schemas), event, 'v1 records still decode');
  });

  it('an incompatible v3 is refused with 409 naming the field and the rule, and stays unknown to the codec', async () => {
    const res = await register(subjects.event, V3);
    assert.equal(res.statusCode, 409);
    const answer = JSON.parse(res.body);
    assert.equal(answer.error_code, 409);
    assert.equal(answer.code, 'EDDY_SCHEMA_INCOMPATIBLE');
    assert.match(answer.message, /subject 'user_interactions-value' \(it would be version 3\)/);
    assert.match(answer.message, /version 2, BACKWARD: type of `user_id` changed from string to long, which is not a promotion Avro resolves: readers of the new schema cannot read records of version 2/);
    assert.match(answer.message, /eddy decodes this subject into its built-in event schema: type of `user_id` changed from string to long/);
    assert.equal(ctx.registry.versions(subjects.event).length, 2);
    assert.throws(() => schemas.lookup(4), (e: unknown) => e instanceof EddyError && e.code === 'EDDY_UNKNOWN_SCHEMA_ID');
  });

  it('under NONE an eddy subject still refuses a version eddy cannot read; another subject takes it', async () => {
    await ctx.registry.setLevel(subjects.event, 'NONE');
    const withoutUser = { ...EVENT_V1_AVRO, fields: EVENT_V1_AVRO.fields.filter((f) => f.name !== 'user_id') };
    const res = await register(subjects.event, withoutUser);
    assert.equal(res.statusCode, 409);
    assert.match(JSON.parse(res.body).message, /eddy decodes this subject into its built-in event schema: field `user_id` \(string\) was removed, and has no default in eddy's built-in event schema/);
    // Names are compared without their namespace (a producer's own `com.example.InteractionEvent`
    // reads as eddy's), but another name is another type.
    const namespaced = await register(subjects.event, { ...V2, namespace: 'other.ns' });
    assert.equal(namespaced.statusCode, 200, namespaced.body);
    assert.equal(schemas.lookup(JSON.parse(namespaced.body).id) !== undefined, true);
    const renamed = await register(subjects.event, { ...V2, name: 'Click' });
    assert.equal(renamed.statusCode, 409);
    assert.match(JSON.parse(renamed.body).message, /renamed from record InteractionEvent to record Click without an alias/);
    const elsewhere = await register('other-value', withoutUser);
    assert.equal(elsewhere.statusCode, 200);
    assert.throws(() => schemas.lookup(JSON.parse(elsewhere.body).id), /does not know/, 'ids of other subjects are not eddy records');
    await ctx.registry.deleteLevel(subjects.event);
  });

  it('an item v2 under the catalogue subject decodes as an item', async () => {
    const itemV2 = { ...ITEM_V1_AVRO, fields: [...ITEM_V1_AVRO.fields, { name: 'language', type: 'string', default: 'en' }] };
    const res = await register(subjects.item, itemV2);
    assert.equal(res.statusCode, 200, res.body);
    const { id } = JSON.parse(res.body);
    const bytes = framed(id, itemV2, { content_id: 'c1', category: 'sports', tags: null, published_at: null, title: null, properties: null, extra: {}, language: 'de' });
    assert.deepEqual(decodeItemRecord(bytes, schemas), { content_id: 'c1', category: 'sports' });
  });
});

it('a registry reopened on its data-directory store makes the registered ids decodable again', async () => {
  const store = openSqliteSchemaStore(':memory:');
  const first = await SchemaRegistry.open({ store, topicPrefix: 't.' });
  const { id } = await first.register('t.user_interactions-value', { schema: JSON.stringify(V2) });
  const second = await SchemaRegistry.open({ store, topicPrefix: 't.' });
  const known = new KnownSchemas();
  bindKnownSchemas(second, known);
  assert.deepEqual(decodeEventRecord(framed(id, V2, { ...body, referrer: null }), known), event);
  await second.close();
});
