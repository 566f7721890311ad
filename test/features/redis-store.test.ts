// The Redis store and publisher beyond the shared contract: version guards (idempotent replays,
// tombstones), popular lists and stream time, the active-item set, the fallback when Redis is
// unreachable or hung, and the latency of a serving-sized batch read.
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { CatalogEntry } from '../../src/features/catalog.ts';
import { covisRowCodec, countInteraction, emptyItemState, itemStateCodec, type CovisRow } from '../../src/features/item-features.ts';
import { RedisFeaturePublisher, storeVersions } from '../../src/features/redis-publisher.ts';
import { LruCache, RedisFeatureStore } from '../../src/features/redis-store.ts';
import { emptyUserState, userStateCodec } from '../../src/features/user-features.ts';
import type { StateWrite } from '../../src/log/types.ts';
import { jsonCodec } from '../../src/stream/state-store.ts';
import { Dictionaries } from '../../src/stream/state/id-dictionary.ts';
import { SparseRow } from '../../src/stream/state/sparse-row.ts';
import { dictionaryChunkCodec, dictionaryKey } from '../../src/stream/state/id-dictionary.ts';
import { freePort } from '../support/process.ts';
import { dropPrefix, ensureRedis, RedisProxy, testPrefix } from '../support/redis.ts';

const dictionaries = new Dictionaries();
const users = userStateCodec(dictionaries);
const covisRows = covisRowCodec(dictionaries);
/** A user state of `n` interactions (and `recent` items), as the processor would commit it. */
function userWith(n: number, recent: [string, number, number, string | null][] = []) {
  const user = emptyUserState(T, dictionaries.of(0));
  user.n = n;
  user.recent.push(...recent);
  return user;
}
const catalogCodec = jsonCodec<CatalogEntry>();
const T = Date.parse('2026-11-28T10:00:00.000Z');

function userWrite(key: string, n: number | null, partition = 0): StateWrite {
  const value = n === null ? null : users.encode(userWith(n));
  return { store: 'users', partition, key, value };
}

function itemWrite(key: string, last: number): StateWrite {
  const state = emptyItemState();
  countInteraction(state, 'click', last, 1e-8);
  return { store: 'items', partition: 0, key, value: itemStateCodec.encode(state) };
}

/** Publishes dictionary chunk `chunk` of partition 0 (version: its length, as FeatureSync does). */
async function publisherPutDictionary(publisher: RedisFeaturePublisher, chunk: number, names: string[]): Promise<void> {
  await publisher.publish([{ store: 'dictionary', partition: 0, key: dictionaryKey(0, chunk), value: dictionaryChunkCodec.encode(names) }], [names.length]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis feature store', () => {
  let url: string;
  let admin: Redis;
  const prefixes: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  /** A publisher and a store on a fresh prefix (the store optionally through another URL). */
  async function open(storeUrl?: string, onFallback?: () => void) {
    const prefix = testPrefix('store');
    prefixes.push(prefix);
    const publisher = new RedisFeaturePublisher({ redis: url, prefix });
    const store = new RedisFeatureStore({ redis: storeUrl ?? url, prefix, onFallback, commandTimeoutMs: 100, circuitOpenMs: 200 });
    closers.push(() => store.close(), () => publisher.close());
    return { publisher, store, prefix };
  }

  before(async () => {
    url = await ensureRedis();
    admin = new Redis(url);
  });
  after(async () => {
    for (const close of closers) await close();
    for (const prefix of prefixes) await dropPrefix(admin, prefix);
    await admin.quit();
  });

  it('keeps the newest version: an older replay never goes back, the same version twice is harmless', async () => {
    const { publisher, store } = await open();
    await store.ready();
    deepStrictEqual(await publisher.publish([userWrite('u1', 10)], [10]), { written: 1, skipped: 0 });
    deepStrictEqual(await publisher.publish([userWrite('u1', 5)], [5]), { written: 0, skipped: 1 });
    strictEqual((await store.user('u1'))!.n, 10);
    deepStrictEqual(await publisher.publish([userWrite('u1', 10)], [10]), { written: 0, skipped: 1 });
    strictEqual((await store.user('u1'))!.n, 10);
    // A partition map versions every write of its partition.
    await publisher.publish([userWrite('u1', 11, 2), userWrite('u2', 1, 3)], new Map([[2, 11], [3, 7]]));
    deepStrictEqual((await store.readBatch({ users: ['u1', 'u2'] })).users.map((u) => u?.n), [11, 1]);
  });

  it('versions a commit by the last offset of each store\'s source topic in the partition', () => {
    const record = (topic: string, partition: number, offset: number) => ({ topic, partition, offset, key: 'k', value: Buffer.alloc(0), timestamp: 0, headers: {} });
    const records = [record('user_interactions', 1, 7), record('user_interactions', 1, 8), record('content_catalog', 1, 900), record('content_clicks', 2, 40)];
    const version = storeVersions(records, { users: 'user_interactions', items: 'content_clicks', catalog: 'content_catalog' });
    strictEqual(version(userWrite('u', 1, 1)), 8);
    strictEqual(version({ store: 'catalog', partition: 1, key: 'c', value: null }), 900);
    strictEqual(version({ store: 'items', partition: 2, key: 'c', value: null }), 40);
    strictEqual(version({ store: 'items', partition: 1, key: 'c', value: null }), undefined);
  });

  it('guards tombstones the same way', async () => {
    const { publisher, store, prefix } = await open();
    await store.ready();
    await publisher.publish([userWrite('u1', 1)], [20]);
    deepStrictEqual(await publisher.publish([userWrite('u1', null)], [21]), { written: 1, skipped: 0 });
    strictEqual(await store.user('u1'), undefined);
    deepStrictEqual(await publisher.publish([userWrite('u1', 1)], [20]), { written: 0, skipped: 1 }, 'no resurrection by a replay');
    strictEqual(await store.user('u1'), undefined);
    ok((await admin.pttl(`${prefix}users:u1`)) > 0, 'tombstones expire');
    await publisher.publish([userWrite('u1', 3)], [22]);
    strictEqual((await store.user('u1'))!.n, 3);
    strictEqual(await admin.pttl(`${prefix}users:u1`), -1, 'a value after a tombstone does not expire');
  });

  it('merges per-partition popular lists, guarded by version; stream time only rises', async () => {
    const { publisher, store } = await open();
    await store.ready();
    await publisher.publishPopular(0, '*', [{ id: 'a', logScore: 5 }, { id: 'c', logScore: 1 }], 3);
    await publisher.publishPopular(1, '*', [{ id: 'b', logScore: 4 }, { id: 'd', logScore: Number.NEGATIVE_INFINITY }], 3);
    await publisher.publishPopular(1, 'news', [{ id: 'b', logScore: 4 }]);
    deepStrictEqual((await store.popular(undefined, 3)).map((s) => s.id), ['a', 'b', 'c']);
    strictEqual((await store.popular(undefined, 10))[3].logScore, Number.NEGATIVE_INFINITY);
    await publisher.publishPopular(0, '*', [{ id: 'x', logScore: 9 }], 2); // older: ignored
    strictEqual((await store.popular(undefined, 1))[0].id, 'a');
    await publisher.publishPopular(0, '*', [{ id: 'a', logScore: 6 }], 4);
    deepStrictEqual(await store.popular(undefined, 2), [{ id: 'a', logScore: 6 }, { id: 'b', logScore: 4 }]);
    deepStrictEqual(await store.categories(), ['news']);
    await publisher.publishStreamTime(T);
    await publisher.publishStreamTime(T - 1000);
    strictEqual(await store.streamTime(), T);
  });

  it('keeps the active-item set to the last hour of stream time', async () => {
    const { publisher, store, prefix } = await open();
    await store.ready();
    await publisher.publish([itemWrite('old', T - 2 * 3600_000), itemWrite('mid', T - 50 * 60_000)], [1, 1]);
    await publisher.publish([itemWrite('new', T)], [2]);
    await publisher.publishStreamTime(T);
    deepStrictEqual((await store.activeItems()).sort(), ['mid', 'new']);
    deepStrictEqual((await admin.zrange(`${prefix}active`, 0, -1)).sort(), ['mid', 'new'], 'trimmed on write');
    await publisher.publish([{ store: 'items', partition: 0, key: 'mid', value: null }], [3]);
    deepStrictEqual(await store.activeItems(), ['new']);
  });

  it('LRU cache: bounded, least recently used out first, entries expire', () => {
    let now = 0;
    const cache = new LruCache<number>(2, 1000, () => now);
    cache.set('a', 1);
    cache.set('b', 2);
    strictEqual(cache.get('a'), 1);
    cache.set('c', 3);
    deepStrictEqual([cache.get('a'), cache.get('b'), cache.get('c'), cache.size], [1, undefined, 3, 2]);
    now = 1000;
    strictEqual(cache.get('a'), undefined);
  });

  it('answers from the cache when Redis is unreachable or hung, counts fallbacks, and recovers', async () => {
    const proxy = await RedisProxy.start(url);
    closers.push(() => proxy.stop());
    let fallbacks = 0;
    const { publisher, store } = await open(proxy.url, () => fallbacks++);
    await store.ready();
    const catalog: CatalogEntry = { content_id: 'c1', category: 'news', addedAt: T };
    await publisher.publish([userWrite('u1', 4), { store: 'catalog', partition: 0, key: 'c1', value: catalogCodec.encode(catalog) }], [1, 1]);
    await publisher.publishPopular(0, '*', [{ id: 'c1', logScore: 2 }]);
    await publisher.publishStreamTime(T);
    // Warm the cache with the reads a request makes.
    strictEqual((await store.user('u1'))!.n, 4);
    deepStrictEqual(await store.catalog(['c1']), [catalog]);
    strictEqual((await store.popular(undefined, 5)).length, 1);
    strictEqual(await store.streamTime(), T);
    strictEqual(fallbacks, 0);

    await publisher.publish([userWrite('u-gone', 1)], [1]);
    strictEqual((await store.user('u-gone'))!.n, 1);
    await publisher.publish([userWrite('u-gone', null)], [2]);
    strictEqual(await store.user('u-gone'), undefined);

    await proxy.cut();
    strictEqual(await store.user('u-gone'), undefined, 'a deleted user stays deleted in the fallback');
    const started = performance.now();
    strictEqual((await store.user('u1'))!.n, 4, 'cached user');
    strictEqual(await store.user('u-new'), undefined, 'unknown user: cold start');
    deepStrictEqual(await store.catalog(['c1', 'c2']), [catalog, undefined]);
    deepStrictEqual((await store.popular(undefined, 5)).map((s) => s.id), ['c1'], 'last good popular list');
    strictEqual(await store.streamTime(), T);
    ok(performance.now() - started < 250, 'fails fast while disconnected');
    strictEqual(fallbacks, 6);

    await proxy.restore();
    await store.ready();
    await sleep(250); // the circuit closes
    await publisher.publish([userWrite('u1', 5)], [2]);
    strictEqual((await store.user('u1'))!.n, 5, 'reads Redis again after reconnecting');
    const before = fallbacks;

    proxy.hang();
    const t0 = performance.now();
    strictEqual((await store.user('u1'))!.n, 5, 'a hung Redis costs one command timeout');
    const hungMs = performance.now() - t0;
    ok(hungMs >= 90 && hungMs < 1000, `timed out after ${hungMs} ms`);
    const t1 = performance.now();
    deepStrictEqual(await store.catalog(['c1']), [catalog]);
    ok(performance.now() - t1 < 50, 'the open circuit skips Redis (no second timeout)');
    strictEqual(fallbacks, before + 2);
    await proxy.restore();
  });

  it('never throws when no Redis ever answered', async () => {
    let fallbacks = 0;
    const { store } = await open(`redis://127.0.0.1:${await freePort()}`, () => fallbacks++);
    strictEqual(await store.user('u1'), undefined);
    deepStrictEqual(await store.items(['a', 'b']), [undefined, undefined]);
    deepStrictEqual(await store.popular(undefined, 5), []);
    deepStrictEqual(await store.categories(), []);
    strictEqual(await store.streamTime(), 0);
    deepStrictEqual(await store.activeItems(), []);
    strictEqual(fallbacks, 6);
  });

  it('reads 1 user + 10 co-visitation rows + 50 catalogue entries in one round trip', async (t) => {
    const { publisher, store } = await open();
    await store.ready();
    const user = userWith(30, Array.from({ length: 30 }, (_, i): [string, number, number, string | null] => [`c${i}`, T - i, 1, 'news']));
    const row: CovisRow = new SparseRow(dictionaries.of(0), 100);
    for (let i = 0; i < 100; i++) row.add(`c${i}`, 1 / (i + 1));
    // The row's ids are interned: the dictionary is published as the processor's would be.
    for (const [chunk, names] of dictionaries.of(0).takeChangedChunks()) await publisherPutDictionary(publisher, chunk, names);
    const writes: StateWrite[] = [{ store: 'users', partition: 0, key: 'u1', value: users.encode(user) }];
    for (let i = 0; i < 10; i++) writes.push({ store: 'covis', partition: 0, key: `c${i}`, value: covisRows.encode(row) });
    for (let i = 0; i < 50; i++) {
      const entry: CatalogEntry = { content_id: `c${i}`, category: 'news', tags: ['a', 'b'], title: `Title ${i}`, addedAt: T };
      writes.push({ store: 'catalog', partition: 0, key: `c${i}`, value: catalogCodec.encode(entry) });
    }
    await publisher.publish(writes, writes.map(() => 1));
    const covisIds = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const catalogIds = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const median = async (read: () => Promise<unknown>) => {
      for (let i = 0; i < 50; i++) await read(); // warm up (JIT, script cache)
      const times: number[] = [];
      for (let i = 0; i < 500; i++) {
        const t0 = performance.now();
        await read();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return { p50: times[250], p90: times[450], p99: times[495] };
    };
    const batch = await median(() => store.readBatch({ users: ['u1'], covis: covisIds, catalog: catalogIds }));
    const separate = await median(() => Promise.all([store.user('u1'), store.covis(covisIds), store.catalog(catalogIds)]));
    const result = await store.readBatch({ users: ['u1'], covis: covisIds, catalog: catalogIds });
    strictEqual(result.users[0]!.recent.length, 30);
    strictEqual(result.covis.filter((r) => r?.size === 100).length, 10);
    strictEqual(result.catalog.filter((c) => c !== undefined).length, 50);
    const fmt = (m: typeof batch) => `p50 ${m.p50.toFixed(3)} ms, p90 ${m.p90.toFixed(3)} ms, p99 ${m.p99.toFixed(3)} ms`;
    t.diagnostic(`readBatch(1 user + 10 covis + 50 catalog): ${fmt(batch)}`);
    t.diagnostic(`same via 3 concurrent FeatureStore calls: ${fmt(separate)}`);
    ok(batch.p50 < 10, 'single-digit ms');
  });
});
