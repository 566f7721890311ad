// Records that did not come through eddy's ingest, on a 1-broker Kafka + Redis:
// - raw JSON written by Kafka's own console producer (a Java client, no eddy code) to
//   content_catalog, user_interactions and content_clicks lands in features and recommendations;
// - records that are not JSON, or not a valid event, go to the dead-letter topic with the reason
//   in the `eddy-error` header, and the records after them are processed as usual.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { javaToolArgs } from '../../scripts/kafka/cluster.js';
import { startKafkaInstance, type KafkaInstance } from '../../src/deploy/kafka.ts';
import { buildApp } from '../../src/serving/app.ts';
import { eventually, injectClient, type HttpClient } from '../support/http-client.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { dropPrefixAt, ensureRedis, testPrefix } from '../support/redis.ts';
import { deadLettersByKey } from '../support/dead-letters.ts';
import { skipOutsideCi } from '../support/skip.ts';

/** Writes `key|value` lines to a topic with org.apache.kafka.tools.ConsoleProducer (kafka-console-producer.sh). */
function consoleProduce(bootstrap: string, topic: string, lines: readonly [string, string][]): Promise<void> {
  const args = ['--bootstrap-server', bootstrap, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=|'];
  const child = spawn('java', javaToolArgs('org.apache.kafka.tools.ConsoleProducer', args, { quickStart: true }), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(lines.map(([k, v]) => `${k}|${v}\n`).join(''));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ConsoleProducer exited with ${code}: ${stderr}`))));
  });
}

describe('records from other producers on Kafka', () => {
  let kafka: TestKafka | null = null;
  let instance: KafkaInstance;
  let app: FastifyInstance;
  let client: HttpClient;
  let redisUrl: string;
  const redisPrefix = testPrefix('foreign-records');

  before(async () => {
    kafka = await withKafka({ brokers: 1 });
    if (!kafka) return;
    redisUrl = await ensureRedis();
    instance = await startKafkaInstance({ brokers: kafka.bootstrap, redis: redisUrl, redisPrefix, topicPrefix: `foreign-${Date.now().toString(36)}.`, partitions: 4 });
    app = buildApp({ instance });
    client = injectClient(app);
  }, { timeout: 240_000 });

  after(async () => {
    await app?.close();
    await instance?.stop();
    if (redisUrl !== undefined) await dropPrefixAt(redisUrl, redisPrefix);
    await kafka?.stop();
  });

  it('raw JSON from Kafka’s console producer lands in features and recommendations', { timeout: 120_000 }, async (t) => {
    if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
    const { topics } = instance;
    const items = [0, 1, 2, 3, 4].map((i) => ({ content_id: `f${i}`, category: i < 4 ? 'sports' : 'news' }));
    await consoleProduce(kafka.bootstrap, topics.catalog, items.map((item) => [item.content_id, JSON.stringify(item)]));
    const now = Date.now();
    const event = (user: string, item: string, i: number, type = 'click') => ({ user_id: user, session_id: `s-${user}`, timestamp: i % 2 === 0 ? now + i : new Date(now + i).toISOString(), event_type: type, content_id: item });
    const events = [event('fa', 'f0', 0), event('fa', 'f1', 1), event('fb', 'f0', 2), event('fb', 'f1', 3), { ...event('fb', 'f2', 4, 'like'), event_id: 'fb-like' }];
    await consoleProduce(kafka.bootstrap, topics.interactions, events.map((e) => [e.user_id, JSON.stringify(e)]));
    // An item-side event on content_clicks (keyed by item) counts for the item only.
    await consoleProduce(kafka.bootstrap, topics.contentClicks, [['f3', JSON.stringify(event('fc', 'f3', 5))]]);

    const counted = await eventually(async () => (await client.request('GET', '/v1/items/f0/features')).json.clicks_10m === 2, 20_000);
    assert.ok(counted, JSON.stringify((await client.request('GET', '/v1/items/f0/features')).json));
    const f0 = (await client.request('GET', '/v1/items/f0/features')).json;
    assert.equal(f0.category, 'sports', 'the category comes from the foreign catalogue record');
    assert.ok(await eventually(async () => (await client.request('GET', '/v1/items/f3/features')).json.clicks_10m === 1, 20_000));
    const fa = (await client.request('GET', '/v1/users/fa/features')).json;
    assert.deepEqual(fa.recent_categories, ['sports']);
    // fb liked f2 after f0 and f1: co-visitation recommends it to fa, who clicked f0 and f1.
    let recs: any;
    const recommended = await eventually(async () => {
      recs = (await client.request('GET', '/v1/recommendations?user_id=fa&k=3')).json;
      return recs.items[0]?.content_id === 'f2' && recs.items[0].reasons.includes('co_visitation');
    }, 20_000);
    assert.ok(recommended, JSON.stringify(recs));
  });

  it('records that are not JSON or not a valid event go to the dead-letter topic with the reason; processing goes on', { timeout: 120_000 }, async (t) => {
    if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
    const { topics } = instance;
    const now = Date.now();
    await consoleProduce(kafka.bootstrap, topics.interactions, [
      ['bad1', 'this is {not json'],
      ['bad2', JSON.stringify({ user_id: 'bad2', timestamp: now, event_type: 'teleport', content_id: 'f0' })],
      ['ok', JSON.stringify({ user_id: 'ok', session_id: 's', timestamp: now, event_type: 'click', content_id: 'f4' })],
    ]);
    await consoleProduce(kafka.bootstrap, topics.contentClicks, [['f4', JSON.stringify({ content_id: 'f4', event_type: 'click' })]]);

    const byKey = await deadLettersByKey(instance.log, topics.deadLetter, 3);
    assert.deepEqual([...byKey.keys()].sort(), ['bad1', 'bad2', 'f4']);
    assert.equal(byKey.get('bad1')!.value.toString(), 'this is {not json', 'the record is kept as it was');
    assert.match(byKey.get('bad1')!.headers['eddy-error'], /not valid JSON/);
    assert.match(byKey.get('bad2')!.headers['eddy-error'], /\/session_id: is required/);
    assert.match(byKey.get('bad2')!.headers['eddy-error'], /\/event_type:/);
    assert.match(byKey.get('f4')!.headers['eddy-error'], /\/user_id: is required/);
    assert.match(byKey.get('bad1')!.headers['eddy-source'], new RegExp(`^${topics.interactions.replace(/\./g, '\\.')}/\\d+/\\d+$`));
    // The valid record behind the bad ones was processed.
    assert.ok(await eventually(async () => (await client.request('GET', '/v1/items/f4/features')).json.clicks_10m === 1, 20_000));
    assert.ok(instance.processor!.stats.deadLettered >= 3);
  });
});
