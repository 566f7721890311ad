/**
 * Serving while a dependency is away (issue 7). Every read route (recommendations, trending,
 * similar, user and item features, stats, metrics) is read in a loop throughout.
 *
 * Redis restarted during traffic: an eddy Kafka instance (role all; serving reads from Redis) on a
 * private `redis-server` that is killed (SIGKILL, nothing saved) while clicks keep coming and
 * recommendations keep being read, then started again empty. Serving never answers 5xx (it falls
 * back to its cache of recent reads and the last trending list, and counts that in
 * eddy_feature_store_fallback_total), and afterwards the store is whole again: the processor
 * republishes what Redis lost, so every item's count matches the ground truth, including items
 * that received no click after the restart.
 *
 * Kafka stopped (its only broker killed) while serving is read: no read answers 5xx,
 * `eddy_dependency_up{dependency="kafka"}` is 0 and `/v1/stats` marks the lag stale; once the
 * broker is back, the instance takes events again and processes them without a restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startKafkaInstance, type KafkaInstance } from '../../src/deploy/kafka.ts';
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

/** Every read route, in turn; ids of users and items that exist and one that does not. */
function readPaths(users: readonly string[], items: readonly string[]): string[] {
  const paths: string[] = ['/v1/trending?window=10m&k=5', '/v1/trending?window=1h&k=5', '/v1/stats', '/metrics'];
  for (const [i, user] of users.entries()) {
    const item = items[i % items.length]!;
    paths.push(`/v1/recommendations?user_id=${user}&k=5`, `/v1/users/${user}/features`, `/v1/items/${item}/features`, `/v1/items/${item}/similar?k=5`);
  }
  return paths;
}

/** Reads every read route until stopped; counts answers by status. */
function reader(url: string, paths: readonly string[]) {
  const statuses = new Map<number | 'error', number>();
  const fiveHundreds: string[] = [];
  const routes = new Set<string>();
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const path = paths[i % paths.length]!;
      let status: number | 'error';
      try {
        const r = await fetch(url + path, { signal: AbortSignal.timeout(10_000) });
        const body = await r.text();
        status = r.status;
        if (status >= 500) fiveHundreds.push(`${path} -> ${status} ${body.slice(0, 200)}`);
        else routes.add(path.split('?')[0]!.replace(/\/(users|items)\/[^/]+/, '/$1/:id'));
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
    routes,
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
  const reads = reader(url, readPaths(users, items.map((i) => i.content_id)));
  try {
    // 1. Traffic with Redis up, until everything is published.
    const ackedBefore = new Set<number>();
    await before.send(url, Array.from({ length: 40 }, (_, b) => b), ackedBefore, { paceMs: 10 });
    const expectedBefore = before.expectedCounts(ackedBefore);
    assert.ok(await eventually(async () => countMismatches(expectedBefore, await servedCounts(url, expectedBefore.keys())).length === 0, 120_000, 250), 'counts complete before the restart');

    // 2. Redis dies while clicks (on c0..c9 only) keep coming and serving keeps being read, then
    // comes back empty.
    const fallbacksBefore = await fallbackTotal(url, 'redis');
    assert.equal(await dependencyUp(url, 'redis'), 1);
    await redis!.kill();
    const ackedAfter = new Set<number>();
    const sending = afterwards.send(url, Array.from({ length: 30 }, (_, b) => b), ackedAfter, { paceMs: 50, workers: 2 });
    await new Promise((r) => setTimeout(r, 3000));
    const fallbacksDuring = await fallbackTotal(url, 'redis');
    const redisUpWhileDown = await dependencyUp(url, 'redis');
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
    assert.equal(redisUpWhileDown, 0, 'eddy_dependency_up{dependency="redis"} is 0 while Redis is down');
    assert.ok(await eventually(async () => (await dependencyUp(url, 'redis')) === 1, 10_000, 100), 'and 1 again once it is back');
    assert.equal(reads.routes.size, 7, `every read route answered: ${[...reads.routes].join(', ')}`);
    assert.ok((instance.sync?.republished ?? 0) >= 1, 'the processor noticed the restart and republished');
  } finally {
    await reads.stop();
  }
});

test('Kafka away: every read route answers, the outage is in metrics and stats, and intake resumes after', { timeout: 300_000 }, async (t) => {
  if (!kafka) return skipOutsideCi(t, 'no Kafka (Java/Maven missing)');
  if (!kafka.cluster) return skipOutsideCi(t, 'the cluster is external (EDDY_TEST_KAFKA_BOOTSTRAP): its broker cannot be stopped here');
  assert.ok(instance && app, 'runs after the Redis test, on its instance');
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const run = Date.now().toString(36);
  const users = Array.from({ length: 5 }, (_, i) => `kd${run}-u${i}`);
  const stream = new ClickStream({ prefix: `kd${run}`, batchSize: BATCH_SIZE, items: ITEMS, users: 50 });
  const acked = new Set<number>();
  await stream.send(url, [0, 1, 2], acked);
  assert.equal(acked.size, 3);
  await instance.drained(60_000);

  const reads = reader(url, readPaths([...users, `kd${run}-cold`], ['c0', 'c1', 'c2']));
  try {
    const fallbacksBefore = await fallbackTotal(url, 'kafka');
    await kafka.cluster.killBroker(1);
    const down = await eventually(async () => (await dependencyUp(url, 'kafka')) === 0, 30_000, 200);
    // Reads go on for a while with Kafka gone.
    await new Promise((r) => setTimeout(r, 3000));
    const stats = (await (await fetch(`${url}/v1/stats`)).json()) as { lag: { stale: boolean }; dependencies: Record<string, string> };
    const fallbacksDuring = await fallbackTotal(url, 'kafka');
    await kafka.cluster.startBroker(1);
    assert.ok(down, 'eddy_dependency_up{dependency="kafka"} goes to 0');
    assert.equal(stats.lag.stale, true, '/v1/stats marks the lag as stale');
    assert.equal(stats.dependencies.kafka, 'down');
    assert.ok(fallbacksDuring > fallbacksBefore, 'lag reads answered from the last known figures, and counted');
    assert.ok(await eventually(async () => (await dependencyUp(url, 'kafka')) === 1, 120_000, 250), 'kafka is up again in metrics');

    // Intake resumes by itself: new events are acknowledged (a producer retries a 503) and counted.
    const ackedAfter = new Set<number>();
    await stream.send(url, [3, 4, 5], ackedAfter);
    // Every acknowledged event of this test is counted exactly once: the users' totals add up.
    const streamUsers = Array.from({ length: 50 }, (_, i) => `kd${run}-u${i}`);
    const expectedTotal = (acked.size + ackedAfter.size) * BATCH_SIZE;
    let total = 0;
    const ok = await eventually(async () => {
      total = await userTotals(url, streamUsers);
      return total === expectedTotal;
    }, 120_000, 500);
    assert.ok(ok, `events sent before and after the outage are all counted, once: ${total} of ${expectedTotal}`);
    await reads.stop();
    console.log(`kafka outage: reads by status ${JSON.stringify(Object.fromEntries(reads.statuses))}; lag fallbacks ${fallbacksBefore} -> ${fallbacksDuring}`);
    assert.deepEqual(reads.fiveHundreds, [], 'no 5xx from serving while Kafka was away');
    assert.ok(!reads.statuses.has('error'), 'every read was answered');
    assert.equal(reads.routes.size, 7, `every read route answered: ${[...reads.routes].join(', ')}`);
  } finally {
    await reads.stop();
    await kafka.cluster.startBroker(1).catch(() => undefined);
  }
});

/** The sum of interactions_total over `users` (0 for a user not known yet). */
async function userTotals(url: string, users: readonly string[]): Promise<number> {
  let total = 0;
  for (const user of users) {
    const r = await fetch(`${url}/v1/users/${user}/features`);
    if (r.status === 200) total += ((await r.json()) as { interactions_total: number }).interactions_total;
  }
  return total;
}

/** eddy_feature_store_fallback_total for one dependency. */
async function fallbackTotal(url: string, dependency: 'redis' | 'kafka'): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^eddy_feature_store_fallback_total\\{dependency="${dependency}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** eddy_dependency_up for one dependency (NaN when absent). */
async function dependencyUp(url: string, dependency: 'redis' | 'kafka'): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^eddy_dependency_up\\{dependency="${dependency}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** Waits for `work` at most `ms`. */
async function within(ms: number, work: Promise<unknown> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work?.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
