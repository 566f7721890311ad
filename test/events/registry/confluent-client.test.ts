// Confluent's own client (@kafkajs/confluent-schema-registry) against a listening eddy: it
// registers a schema, encodes an event, and eddy's codec decodes those bytes; it reads eddy's own
// records by their built-in id; an incompatible registration reaches it as a 409.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SchemaRegistry as ConfluentClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import { decodeEventRecord, encodeEventRecord, EVENT_V1_AVRO, EVENT_V1_SCHEMA_ID, KnownSchemas, type AcceptedEvent } from '../../../src/events/codec/index.ts';
import { bindKnownSchemas, eddySubjects } from '../../../src/events/registry/index.ts';
import { registryApp, type RegistryApp } from './registry-app.ts';

const SUBJECT = eddySubjects().event;
const V2 = { ...EVENT_V1_AVRO, fields: [...EVENT_V1_AVRO.fields, { name: 'referrer', type: ['null', 'string'], default: null }] };
const event: AcceptedEvent = { user_id: 'u1', session_id: 's1', timestamp: '2026-11-28T10:00:00.000Z', event_type: 'view', content_id: 'c7', properties: { campaign: 'spring' }, ingested_at: 1_764_324_000_123 };
/** The event as a plain Avro writer (no eddy logical types) gives it: JSON values as {v: ...} records. */
const payload = { ...event, event_id: null, device_type: 'mobile', location: null, dwell_ms: null, timezone: null, properties: { campaign: { v: 'spring' } }, extra: {}, referrer: 'newsletter' };

let ctx: RegistryApp;
let client: ConfluentClient;
let schemas: KnownSchemas;
before(async () => {
  ctx = await registryApp();
  schemas = new KnownSchemas();
  bindKnownSchemas(ctx.registry, schemas);
  const url = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  client = new ConfluentClient({ host: url, retry: { retries: 0 } });
});
after(() => ctx.close());

describe('the Confluent client against eddy', () => {
  it('registers v2, encodes an event with it, and eddy decodes the bytes into the event', async () => {
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(V2) }, { subject: SUBJECT });
    assert.equal(id, 3);
    assert.equal(await client.getLatestSchemaId(SUBJECT), id);
    assert.equal(ctx.registry.level(SUBJECT), 'BACKWARD', 'the client set the subject level after its first registration');

    const bytes = await client.encode(id, payload);
    assert.equal(bytes[0], 0);
    assert.equal(bytes.readUInt32BE(1), id);
    assert.deepEqual(decodeEventRecord(bytes, schemas), { ...event, device_type: 'mobile' });
    assert.equal((await client.decode(bytes)).referrer, 'newsletter', 'and the client reads its own bytes back');
  });

  it('reads records eddy wrote by their built-in id, and writes ones eddy reads', async () => {
    const decoded = await client.decode(encodeEventRecord(event));
    assert.equal(decoded.user_id, 'u1');
    assert.equal(decoded.ingested_at, event.ingested_at);
    const { referrer: _referrer, ...v1Payload } = payload;
    assert.deepEqual(decodeEventRecord(await client.encode(EVENT_V1_SCHEMA_ID, v1Payload), schemas), { ...event, device_type: 'mobile' });
  });

  it('an incompatible registration is a 409 the client surfaces, naming the field', async () => {
    const v3 = { ...V2, fields: V2.fields.filter((f) => f.name !== 'session_id') };
    await assert.rejects(
      client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v3) }, { subject: SUBJECT }),
      (error: Error & { status?: number }) => {
        assert.equal(error.status, 409);
        assert.match(error.message, /incompatible with an earlier schema for subject 'user_interactions-value'/);
        assert.match(error.message, /field `session_id` \(string\) was removed/);
        return true;
      },
    );
    assert.deepEqual(ctx.registry.versions(SUBJECT), [1, 2]);
  });
});

it('with API keys the client authenticates with Basic auth, the key as its password', async () => {
  const locked = await registryApp({ apiKeys: 'boss:admin,viewer:read' });
  try {
    const url = await locked.app.listen({ port: 0, host: '127.0.0.1' });
    const admin = new ConfluentClient({ host: url, auth: { username: 'ci', password: 'boss' }, retry: { retries: 0 } });
    const { id } = await admin.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'K', namespace: 'test', fields: [] }) }, { subject: 'k-value' });
    const viewer = new ConfluentClient({ host: url, auth: { username: 'ci', password: 'viewer' }, retry: { retries: 0 } });
    assert.equal(await viewer.getLatestSchemaId('k-value'), id);
    await assert.rejects(viewer.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'L', namespace: 'test', fields: [] }) }, { subject: 'l-value' }), (e: Error & { status?: number }) => e.status === 403);
  } finally {
    await locked.close();
  }
});
