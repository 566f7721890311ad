// Binary records and JSON records of the same events, through the TopologyTestDriver: the
// processor reaches the same state (every store, stream time, popularity) and the same features
// whichever way each record was written, and in any mix of the two. A binary record that does not
// decode is dead-lettered with its code, and the records beside it still count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeEventRecord, encodeItemRecord, type AcceptedEvent } from '../../src/events/codec/index.ts';
import type { CatalogItem } from '../../src/events/schema.ts';
import { itemFeatureValues } from '../../src/features/item-features.ts';
import type { StateWrite } from '../../src/log/types.ts';
import { PersonalizationProcessor } from '../../src/pipeline/personalization-processor.ts';
import { topicNames } from '../../src/pipeline/topics.ts';
import { Rng } from '../../src/sim/random.ts';
import { TopologyTestDriver, type TestRecord } from '../../src/stream/test-driver.ts';

const topics = topicNames();
const PARTITIONS = 4;
const T0 = 1_700_000_000_000;
const NOW = T0 + 3_600_000;
const assigned = [topics.interactions, topics.contentClicks, topics.catalog].flatMap((topic) => Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));

/** Accepted events as ingest stamps them: every optional field in play, some sent twice. */
function events(n: number, seed: number): AcceptedEvent[] {
  const rng = new Rng(seed);
  const out: AcceptedEvent[] = [];
  const types = ['view', 'click', 'click', 'like', 'share', 'dwell', 'session_start'] as const;
  const devices = ['mobile', 'desktop', 'tablet', undefined] as const;
  for (let i = 0; i < n; i++) {
    // Every tenth event is the one before it again (a producer's retry): a duplicate either way.
    if (i % 10 === 9 && out[i - 1].event_id !== undefined) {
      out.push(out[i - 1]);
      continue;
    }
    const u = Math.floor(rng.next() * 30);
    const type = types[Math.floor(rng.next() * types.length)];
    const ts = T0 + i * 1000;
    out.push({
      ...(rng.next() < 0.8 && { event_id: `e${seed}-${i}` }),
      user_id: `u${u}`,
      session_id: `s${u}-${Math.floor(i / 100)}`,
      timestamp: rng.next() < 0.5 ? ts : new Date(ts).toISOString(),
      event_type: type,
      ...(type !== 'session_start' && { content_id: `c${Math.floor(rng.next() ** 2 * 25)}` }),
      ...(devices[u % 4] !== undefined && { device_type: devices[u % 4] }),
      ...(u % 3 === 0 && { location: 'DE-BE', timezone: 'Europe/Berlin' }),
      ...(type === 'dwell' && { dwell_ms: Math.round(rng.next() * 60_000) + 0.5 }),
      ...(rng.next() < 0.3 && { properties: { request_id: `r${i % 7}`, ab: { arm: i % 2 } } }),
      ...(rng.next() < 0.1 && { request_id: `top-${i % 5}` }),
      ingested_at: NOW - 1000 + i,
    });
  }
  return out;
}

const items: CatalogItem[] = Array.from({ length: 25 }, (_, i) => ({ content_id: `c${i}`, category: ['news', 'sports', 'tech'][i % 3], tags: [`t${i % 4}`], ...(i % 2 === 0 && { published_at: new Date(T0 - i * 86_400_000).toISOString() }) }));

type Format = 'json' | 'binary';

const eventRecord = (e: AcceptedEvent, format: Format): TestRecord => ({
  topic: topics.interactions,
  key: e.user_id,
  // The JSON record is what ingest wrote before binary records: the accepted event's JSON.
  value: format === 'binary' ? encodeEventRecord(e) : Buffer.from(JSON.stringify(e)),
  partition: Number(e.user_id.slice(1)) % PARTITIONS,
});
const itemRecord = (item: CatalogItem, i: number, format: Format): TestRecord => ({
  topic: topics.catalog,
  key: item.content_id,
  value: format === 'binary' ? encodeItemRecord(item) : Buffer.from(JSON.stringify(item)),
  partition: i % PARTITIONS,
});

const open = (local: boolean) =>
  new TopologyTestDriver((clock) => new PersonalizationProcessor({ topics, partitions: PARTITIONS, local, now: clock, wallClock: clock }), { partitions: assigned, wallClock: NOW });

/** Runs the same events with each record's format chosen by `formatOf`. */
function run(all: readonly AcceptedEvent[], formatOf: (i: number) => Format, local = true) {
  const driver = open(local);
  driver.pipe(...items.map((item, i) => itemRecord(item, i, formatOf(i))));
  for (let i = 0; i < all.length; i += 40) driver.pipe(...all.slice(i, i + 40).map((e, j) => eventRecord(e, formatOf(i + j))));
  const committed = driver.commit();
  return { driver, outputs: committed.outputs.concat(driver.readOutput()) };
}

/** Every store's entries as the changelog holds them, sorted: what "the same state" means. */
function snapshotOf(driver: TopologyTestDriver<PersonalizationProcessor>): string[] {
  return driver.processor.stores.flatMap((s) => s.snapshot()).map((w: StateWrite) => `${w.store}/${w.partition}/${w.key}=${w.value?.toString('base64')}`).sort();
}

/** What serving reads: item features, user state, popularity, counters. */
function featuresOf(driver: TopologyTestDriver<PersonalizationProcessor>) {
  const { processor } = driver;
  return {
    items: items.map((item) => {
      const state = processor.items.get(item.content_id);
      return state === undefined ? null : itemFeatureValues(state, processor.stats.streamTime);
    }),
    users: Array.from({ length: 30 }, (_, u) => JSON.stringify(processor.users.get(`u${u}`) ?? null)),
    popular: processor.popularity.top(),
    stats: { ...processor.stats },
    models: processor.models.version,
  };
}

describe('processor input: binary and JSON records of the same events', () => {
  const all = events(600, 11);
  const json = run(all, () => 'json');
  const jsonFeatures = featuresOf(json.driver);

  it('binary records give exactly the state and features JSON records give', () => {
    const binary = run(all, () => 'binary');
    assert.deepEqual(snapshotOf(binary.driver), snapshotOf(json.driver), 'every store');
    assert.deepEqual(featuresOf(binary.driver), jsonFeatures);
    assert.ok(jsonFeatures.stats.processed > 400 && jsonFeatures.stats.duplicates > 0, JSON.stringify(jsonFeatures.stats));
    assert.equal(jsonFeatures.stats.deadLettered, 0);
  });

  it('so does any mix of the two, record by record', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const formats = Array.from({ length: all.length }, (): Format => (rng.next() < 0.5 ? 'binary' : 'json'));
      const mixed = run(all, (i) => formats[i]);
      assert.deepEqual(snapshotOf(mixed.driver), snapshotOf(json.driver), `seed ${seed}`);
      assert.deepEqual(featuresOf(mixed.driver), jsonFeatures, `seed ${seed}`);
    }
  });

  it('the item updates forwarded through content_clicks (no local owner) are the same', () => {
    const fromJson = run(all, () => 'json', false).outputs.filter((r) => r.topic === topics.contentClicks);
    const fromBinary = run(all, () => 'binary', false).outputs.filter((r) => r.topic === topics.contentClicks);
    assert.ok(fromJson.length > 0);
    assert.deepEqual(fromBinary.map((r) => [r.key, r.value.toString()]), fromJson.map((r) => [r.key, r.value.toString()]));
  });

  it('binary records that do not decode, or fail the cheap checks, are dead-lettered with a reason; their neighbours count', () => {
    const driver = open(true);
    const good = eventRecord(all[0], 'binary');
    const bytes = good.value as Buffer;
    const unknownId = Buffer.from(bytes);
    unknownId.writeUInt32BE(999, 1);
    const future = encodeEventRecord({ ...all[1], timestamp: NOW + 3_600_000 });
    const nanDwell = encodeEventRecord({ user_id: 'u1', session_id: 's1', timestamp: T0, event_type: 'dwell', content_id: 'c1', dwell_ms: 1, ingested_at: NOW });
    nanDwell.writeDoubleLE(Number.NaN, nanDwell.length - 8 - 3); // dwell_ms, before timezone, properties, extra (null, null, empty)
    const bad = [bytes.subarray(0, bytes.length - 3), unknownId, Buffer.from([0, 0, 0]), Buffer.concat([bytes, Buffer.from([1])]), future, encodeItemRecord(items[0])];
    driver.pipe(good, ...bad.map((value) => ({ ...good, value })), { ...good, value: nanDwell }, { topic: topics.catalog, key: 'x', value: encodeEventRecord(all[3]) });
    const dead = driver.readOutput(topics.deadLetter);
    assert.equal(driver.processor.stats.processed, 1, 'the good record counts');
    assert.equal(dead.length, bad.length + 2, dead.map((d) => d.headers?.['eddy-error']).join('\n'));
    for (const d of dead) assert.match(String(d.headers?.['eddy-error']), /^\/[^:]*: /);
    const codes = dead.map((d) => d.headers?.['eddy-error-code'] ?? '');
    // The catalogue is applied first in a batch (an event record on it is not an item), then the rest in order.
    assert.deepEqual(codes, ['EDDY_CORRUPT_RECORD', 'EDDY_CORRUPT_RECORD', 'EDDY_UNKNOWN_SCHEMA_ID', 'EDDY_CORRUPT_RECORD', 'EDDY_CORRUPT_RECORD', '', 'EDDY_CORRUPT_RECORD', '']);
    assert.match(String(dead[5].headers?.['eddy-error']), /^\/timestamp: is 60 min ahead/, 'the future-skew check the JSON path has');
    assert.match(String(dead[7].headers?.['eddy-error']), /^\/dwell_ms: /);
    assert.ok(driver.processor.stats.streamTime < NOW + 5 * 60_000);
  });
});
