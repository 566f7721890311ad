/**
 * Redis restarted during traffic: an eddy Kafka instance (role all; serving reads from Redis) on a
 * private `redis-server` that is killed (SIGKILL, nothing saved) while clicks keep coming and
 * recommendations keep being read, then started again empty. Serving never answers 5xx (it falls
 * back to its cache of recent reads and the last trending list, and counts that in
 * eddy_feature_store_fallback_total), and afterwards the store is whole again: the processor
 * republishes what Redis lost, so every item's count matches the ground truth, including items
 * that received no click after the restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startKafkaInstance, type KafkaInstance } from '../../src/pipeline/kafka-instance.ts';
import { buildApp } from '../../src/serving/app.ts';
import { ClickStream, countMismatches, servedCounts } from '../support/click-stream.ts';
import { eventually } from '../support/http-client.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { RedisServer } from '../support/redis-server.ts';
import { skipOutsideCi } from '../support/skip.ts';

const ITEMS = 40;
/** After the restart only items c0..c9 get clicks; c10..c39 come back by republishing alone. */
const ITEMS_AFTER = 10;
const BATCH_SIZE = 100;
const CATEGORIES = ['news', 'sports', 'tech', 'music'];

let kafka: TestKafka | null = null;
let redis: RedisServer | undefined;
let instance: KafkaInstance | undefined;
let app: FastifyInstance | undefined;

before(async () => {
  kafka = await withKafka({ brokers: 1 });
  redis = await RedisServer.start();
});

after(async () => {
  // Bounded: a test that failed may leave the instance stuck, and the rest must still be cleaned up.
  await within(30_000, app?.close());
  await within(30_000, instance?.stop());
  await redis?.stop();
  await kafka?.stop();
});

/** Reads recommendations and trending until stopped; counts answers by status. */
function reader(url: string, users: readonly string[]) {
  const statuses = new Map<number | 'error', number>();
  const fiveHundreds: string[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const path = i % 4 === 3 ? '/v1/trending?window=10m&k=5' : `/v1/recommendations?user_id=${users[i % users.length]}&k=5`;
      let status: number | 'error';
      try {
        const r = await fetch(url + path, { signal: AbortSignal.timeout(10_000) });
        const body = await r.text();
        status = r.status;
        if (status >= 500) fiveHundreds.push(`${path} -> ${status} ${body.slice(0, 200)}`);
      } catch {
        status = 'error';
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    statuses,
    fiveHundreds,
    async stop() {
      running = false;
      await loop;
    },
  };
}

test('Redis killed and restarted empty during traffic: no 5xx, fallback counted, store whole again', { timeout: 300_000 }, async (t) => {
  if (!kafka) return skipOutsideCi(t, 'no Kafka (Java/Maven missing)');
  const run = Date.now().toString(36);
  instance = await startKafkaInstance({ brokers: kafka.bootstrap, redis: redis!.url, role: 'all', topicPrefix: `redisrestart-${run}-`, partitions: 4 });
  app = buildApp({ instance });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const items = Array.from({ length: ITEMS }, (_, i) => ({ content_id: `c${i}`, category: CATEGORIES[i % CATEGORIES.length] }));
  assert.equal((await fetch(`${url}/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(items) })).status, 202);

  const before = new ClickStream({ prefix: `rr${run}a`, batchSize: BATCH_SIZE, items: ITEMS, users: 200 });
  const afterwards = new ClickStream({ prefix: `rr${run}b`, batchSize: BATCH_SIZE, items: ITEMS_AFTER, users: 200 });
  const users = [...Array.from({ length: 20 }, (_, i) => `rr${run}a-u${i}`), `rr${run}-cold`];
  const reads = reader(url, users);
  try {
    // 1. Traffic with Redis up, until everything is published.
    const ackedBefore = new Set<number>();
    await before.send(url, Array.from({ length: 40 }, (_, b) => b), ackedBefore, { paceMs: 10 });
    const expectedBefore = before.expectedCounts(ackedBefore);
    assert.ok(await eventually(async () => countMismatches(expectedBefore, await servedCounts(url, expectedBefore.keys())).length === 0, 120_000, 250), 'counts complete before the restart');

    // 2. Redis dies while clicks (on c0..c9 only) keep coming and serving keeps being read, then
    // comes back empty.
    const fallbacksBefore = await fallbackTotal(url);
    await redis!.kill();
    const ackedAfter = new Set<number>();
    const sending = afterwards.send(url, Array.from({ length: 30 }, (_, b) => b), ackedAfter, { paceMs: 50, workers: 2 });
    await new Promise((r) => setTimeout(r, 3000));
    const fallbacksDuring = await fallbackTotal(url);
    await redis!.restart();
    await sending;

    // 3. The store is whole again: every item's count, and its catalogue entry.
    const expected = new Map(expectedBefore);
    for (const [item, n] of afterwards.expectedCounts(ackedAfter)) expected.set(item, (expected.get(item) ?? 0) + n);
    let served = new Map<string, number>();
    const whole = await eventually(
      async () => {
        served = await servedCounts(url, expected.keys());
        return countMismatches(expected, served).length === 0;
      },
      120_000,
      250,
    );
    assert.ok(whole, `every item's count matches after the restart; differing (served/expected): ${countMismatches(expected, served).slice(0, 10).join(', ')}`);
    for (const item of items) {
      const features = (await (await fetch(`${url}/v1/items/${item.content_id}/features`)).json()) as { category?: string };
      assert.equal(features.category, item.category, `catalogue entry of ${item.content_id} is back`);
    }
    await reads.stop();
    console.log(
      `reads by status: ${JSON.stringify(Object.fromEntries(reads.statuses))}; fallbacks: ${fallbacksBefore} before, ${fallbacksDuring} while Redis was down; ` +
        `publishes retried: ${instance.sync?.failures ?? 0}; whole state republished: ${instance.sync?.republished ?? 0} time(s)`,
    );
    assert.deepEqual(reads.fiveHundreds, [], 'no 5xx from serving');
    assert.ok(!reads.statuses.has('error'), 'every read was answered');
    assert.ok(fallbacksDuring > fallbacksBefore, 'reads while Redis was down were answered by the fallback, and counted');
    assert.ok((instance.sync?.republished ?? 0) >= 1, 'the processor noticed the restart and republished');
  } finally {
    await reads.stop();
  }
});

async function fallbackTotal(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^eddy_feature_store_fallback_total (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Waits for `work` at most `ms`. */
async function within(ms: number, work: Promise<unknown> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work?.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
