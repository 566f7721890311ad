// Avro in Confluent's wire format on a real Kafka + Redis, from clients that are not eddy's code,
// with the schema registry shared by two instances (one processing, one serving) through its topic:
// - `@kafkajs/confluent-schema-registry` registers a producer's v1 and v2 (an optional field with a
//   default) against the serving instance; a raw Kafka producer writes v1 bodies it framed itself
//   (magic byte, id, avsc) and v2 bodies the Confluent client encoded, to the same topic: both land
//   in features, and the processing instance, which never saw the registrations, decodes them;
// - an incompatible v3 is a 409 naming the field and the rule;
// - an unknown schema id and a corrupt body go to the dead-letter topic with the reason;
// - two instances registering at once hand out distinct ids and read the same ones;
// - after a restart the registry holds the same subjects, versions, ids and levels, and decodes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SchemaRegistry as ConfluentClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Producer } from '@platformatic/kafka';
import avro from 'avsc';
import type { FastifyInstance } from 'fastify';
import { startKafkaInstance, type KafkaInstance } from '../../src/deploy/kafka.ts';
import { EVENT_TYPES } from '../../src/events/schema.ts';
import { partitionFor } from '../../src/log/partitioner.ts';
import { buildApp } from '../../src/serving/app.ts';
import { eventually, urlClient, type HttpClient } from '../support/http-client.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { dropPrefixAt, ensureRedis, testPrefix } from '../support/redis.ts';
import { deadLettersByKey } from '../support/dead-letters.ts';
import { skipOutsideCi } from '../support/skip.ts';

const PARTITIONS = 4;

/** A producer's own event schema: only the fields it has (eddy's reader fills in the rest). */
const PRODUCER_V1 = {
  type: 'record',
  name: 'InteractionEvent',
  namespace: 'com.example.tracking',
  fields: [
    { name: 'user_id', type: 'string' },
    { name: 'session_id', type: 'string' },
    // As eddy takes it: epoch ms or RFC 3339 (a plain long would not read eddy's own version 1).
    { name: 'timestamp', type: ['long', 'string'] },
    { name: 'event_type', type: { type: 'enum', name: 'EventType', symbols: [...EVENT_TYPES] } },
    { name: 'content_id', type: ['null', 'string'], default: null },
  ],
};
const PRODUCER_V2 = { ...PRODUCER_V1, fields: [...PRODUCER_V1.fields, { name: 'referrer', type: ['null', 'string'], default: null }] };

describe('Avro on Kafka with the shared schema registry', () => {
  let kafka: TestKafka | null = null;
  let redisUrl: string;
  const redisPrefix = testPrefix('kafka-avro');
  const topicPrefix = `avro-${Date.now().toString(36)}.`;
  const subject = `${topicPrefix}user_interactions-value`;
  let processing: KafkaInstance;
  let serving: KafkaInstance;
  const apps: FastifyInstance[] = [];
  let processingUrl: string;
  let servingUrl: string;
  let producer: Producer;

  const start = async (role: 'all' | 'serve') => {
    const instance = await startKafkaInstance({ brokers: kafka!.bootstrap, redis: redisUrl, redisPrefix, topicPrefix, partitions: PARTITIONS, role, replicationFactor: 1 });
    const app = buildApp({ instance, registry: instance.registry });
    apps.push(app);
    return { instance, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
  };
  const produce = (topic: string, records: readonly { key: string; value: Buffer }[]) =>
    producer.send({ messages: records.map((r) => ({ topic, key: Buffer.from(r.key), value: r.value, partition: partitionFor(r.key, PARTITIONS) })) });
  const http = (url: string): HttpClient => urlClient(url);

  before(
    async () => {
      kafka = await withKafka({ brokers: 1 });
      if (!kafka) return;
      redisUrl = await ensureRedis();
      ({ instance: processing, url: processingUrl } = await start('all'));
      ({ instance: serving, url: servingUrl } = await start('serve'));
      producer = new Producer({ clientId: 'not-eddy', bootstrapBrokers: [kafka.bootstrap], acks: -1 });
    },
    { timeout: 240_000 },
  );

  after(async () => {
    await producer?.close();
    for (const app of apps) await app.close();
    await serving?.stop();
    await processing?.stop();
    if (redisUrl !== undefined) await dropPrefixAt(redisUrl, redisPrefix);
    await kafka?.stop();
  });

  let v1Id = 0;
  let v2Id = 0;

  it('v1 and v2 producers write the wire format to one topic; both land in features, decoded by an instance that never saw the registrations', { timeout: 120_000 }, async (t) => {
    if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
    const client = new ConfluentClient({ host: servingUrl, retry: { retries: 0 } });
    v1Id = (await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(PRODUCER_V1) }, { subject })).id;
    v2Id = (await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(PRODUCER_V2) }, { subject })).id;
    assert.ok(v1Id >= 3 && v2Id === v1Id + 1, `ids ${v1Id}, ${v2Id}`);
    assert.deepEqual((await http(processingUrl).request('GET', `/subjects/${subject}/versions`)).json, [1, 2, 3], 'the other instance reads the versions at once');

    const now = Date.now();
    // v1: framed by hand, the body written by avsc from the producer's own schema.
    const v1Type = avro.Type.forSchema(PRODUCER_V1 as avro.Schema);
    const frame = (id: number, body: Buffer) => {
      const header = Buffer.alloc(5);
      header.writeUInt32BE(id, 1);
      return Buffer.concat([header, body]);
    };
    const v1 = (user: string, item: string, i: number) => ({
      key: user,
      value: frame(v1Id, v1Type.toBuffer({ user_id: user, session_id: `s-${user}`, timestamp: now + i, event_type: 'click', content_id: item })),
    });
    // v2: encoded by Confluent's client against eddy's registry.
    const v2 = async (user: string, item: string, i: number) => ({
      key: user,
      value: await client.encode(v2Id, { user_id: user, session_id: `s-${user}`, timestamp: now + i, event_type: 'click', content_id: item, referrer: 'newsletter' }),
    });
    await produce(processing.topics.interactions, [v1('av1', 'ai0', 0), v1('av1', 'ai1', 1), await v2('av2', 'ai0', 2), await v2('av2', 'ai2', 3)]);

    const servingClient = http(servingUrl);
    const counted = await eventually(async () => (await servingClient.request('GET', '/v1/items/ai0/features')).json?.clicks_10m === 2, 30_000, 100);
    assert.ok(counted, JSON.stringify((await servingClient.request('GET', '/v1/items/ai0/features')).json));
    assert.ok(await eventually(async () => (await servingClient.request('GET', '/v1/users/av2/features')).json?.session?.events === 2, 20_000, 100));
    assert.equal((await servingClient.request('GET', '/v1/users/av1/features')).json.session.events, 2);
    assert.equal(processing.processor!.stats.deadLettered, 0);
  });

  it('an incompatible v3 is a 409 that names the field and the rule', async (t) => {
    if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
    const client = new ConfluentClient({ host: processingUrl, retry: { retries: 0 } });
    const v3 = { ...PRODUCER_V2, fields: [...PRODUCER_V2.fields, { name: 'campaign', type: 'string' }] };
    await assert.rejects(client.register({ type: SchemaType.AVRO, schema: JSON.stringify(v3) }, { subject }), (error: Error & { status?: number }) => {
      assert.equal(error.status, 409);
      assert.match(error.message, new RegExp(`subject '${subject.replace(/\./g, '\\.')}'`));
      assert.match(error.message, /campaign/);
      assert.match(error.message, /default/);
      return true;
    });
  });

  it('an unknown schema id and a corrupt body go to the dead-letter topic with the reason; the records after them are processed', { timeout: 120_000 }, async (t) => {
    if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
    const { topics } = processing;
    const unknown = Buffer.from([0, 0, 0, 0x27, 0x0f, 1, 2, 3]);
    const corrupt = Buffer.concat([Buffer.from([0, 0, 0, 0, v1Id]), Buffer.from([0xff, 0xff, 0xff])]);
    const ok = avro.Type.forSchema(PRODUCER_V1 as avro.Schema).toBuffer({ user_id: 'av3', session_id: 's', timestamp: Date.now(), event_type: 'like', content_id: 'ai3' });
    await produce(topics.interactions, [
      { key: 'bad-id', value: unknown },
      { key: 'bad-body', value: corrupt },
      { key: 'av3', value: Buffer.concat([Buffer.from([0, 0, 0, 0, v1Id]), ok]) },
    ]);
    const byKey = await deadLettersByKey(processing.log, topics.deadLetter, 2);
    assert.deepEqual([...byKey.keys()].sort(), ['bad-body', 'bad-id']);
    assert.equal(byKey.get('bad-id')!.headers['eddy-error-code'], 'EDDY_UNKNOWN_SCHEMA_ID');
    assert.match(byKey.get('bad-id')!.headers['eddy-error'], /schema id 9999/);
    assert.deepEqual(byKey.get('bad-id')!.value, unknown, 'the record is kept as it was');
    assert.equal(byKey.get('bad-body')!.headers['eddy-error-code'], 'EDDY_CORRUPT_RECORD');
    assert.match(byKey.get('bad-body')!.headers['eddy-error'], new RegExp(`schema id ${v1Id}`));
    assert.ok(await eventually(async () => (await http(servingUrl).request('GET', '/v1/users/av3/features')).json?.session?.events === 1, 20_000, 100));
  });

  it('two instances registering at once hand out distinct ids, and both read the same ones', { timeout: 60_000 }, async (t) => {
    if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
    const schema = (i: number) => JSON.stringify({ type: 'record', name: `Order${i}`, fields: [{ name: 'id', type: 'string' }] });
    const registrations = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? processing : serving).registry!.register(`${topicPrefix}orders${i}-value`, { schema: schema(i) }));
    const ids = (await Promise.all(registrations)).map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, `distinct ids: ${ids.join(', ')}`);
    for (const [i, id] of ids.entries()) {
      for (const url of [processingUrl, servingUrl]) {
        const answer = (await http(url).request('GET', `/schemas/ids/${id}`)).json;
        assert.equal(JSON.parse(answer.schema).name, `Order${i}`, `${url}: id ${id}`);
      }
    }
  });

  it('after a restart the registry holds the same subjects, versions, ids and levels, and still decodes', { timeout: 180_000 }, async (t) => {
    if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
    await processing.registry!.setLevel(`${topicPrefix}orders0-value`, 'FULL');
    await processing.registry!.deleteVersion(`${topicPrefix}orders1-value`, 1);
    const snapshot = async (url: string) => {
      const c = http(url);
      const subjects: string[] = (await c.request('GET', '/subjects?deleted=true')).json;
      const out: Record<string, unknown> = {};
      for (const s of subjects) {
        const versions: number[] = (await c.request('GET', `/subjects/${s}/versions?deleted=true`)).json;
        out[s] = {
          versions: await Promise.all(versions.map(async (v) => (await c.request('GET', `/subjects/${s}/versions/${v}?deleted=true`)).json)),
          live: (await c.request('GET', `/subjects/${s}/versions`)).json,
          level: (await c.request('GET', `/config/${s}`)).json,
        };
      }
      return out;
    };
    const before = await snapshot(processingUrl);
    assert.ok(Object.keys(before).length >= 9);
    await apps.shift()!.close();
    await processing.stop();
    ({ instance: processing, url: processingUrl } = await start('all'));
    assert.deepEqual(await snapshot(processingUrl), before);
    assert.deepEqual(await snapshot(servingUrl), before, 'and the other instance reads the same');

    const client = new ConfluentClient({ host: processingUrl, retry: { retries: 0 } });
    const value = await client.encode(v2Id, { user_id: 'av4', session_id: 's', timestamp: Date.now(), event_type: 'click', content_id: 'ai4', referrer: null });
    await produce(processing.topics.interactions, [{ key: 'av4', value }]);
    assert.ok(await eventually(async () => (await http(servingUrl).request('GET', '/v1/users/av4/features')).json?.session?.events === 1, 30_000, 100));
  });
});
