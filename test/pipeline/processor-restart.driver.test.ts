// The personalization topology under a crash, through the TopologyTestDriver: after a restart the
// processor holds exactly what the last commit held (every store: users, items' windows, co-visitation
// rows, stream time, model records; and what derives from them: popularity, stream time), and
// replaying the uncommitted tail brings it to exactly the state of a run that never crashed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StateWrite } from '../../src/log/types.ts';
import { PersonalizationProcessor } from '../../src/pipeline/personalization-processor.ts';
import { topicNames } from '../../src/pipeline/topics.ts';
import { Rng } from '../../src/sim/random.ts';
import { TopologyTestDriver, type TestRecord } from '../../src/stream/test-driver.ts';

const topics = topicNames();
const PARTITIONS = 4;
const T0 = 1_700_000_000_000;
const assigned = [topics.interactions, topics.contentClicks, topics.catalog].flatMap((topic) => Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));

function events(n: number, seed: number): TestRecord[] {
  const rng = new Rng(seed);
  const types = ['view', 'click', 'click', 'like', 'share'];
  return Array.from({ length: n }, (_, i) => {
    const u = Math.floor(rng.next() * 40);
    const value = { event_id: `e${seed}-${i}`, user_id: `u${u}`, session_id: `s${u}`, timestamp: T0 + i * 1000, event_type: types[Math.floor(rng.next() * types.length)], content_id: `c${Math.floor(rng.next() * 30)}` };
    return { topic: topics.interactions, key: value.user_id, value, partition: u % PARTITIONS, timestamp: T0 + i * 1000 };
  });
}

const catalogue: TestRecord[] = Array.from({ length: 30 }, (_, i) => ({ topic: topics.catalog, key: `c${i}`, value: { content_id: `c${i}`, category: ['news', 'sports', 'tech'][i % 3] }, partition: i % PARTITIONS }));

/** Every store's entries, encoded as in the changelog, sorted: what "the same state" means. */
function snapshotOf(driver: TopologyTestDriver<PersonalizationProcessor>): string[] {
  return driver.processor.stores.flatMap((s) => s.snapshot()).map((w: StateWrite) => `${w.store}/${w.partition}/${w.key}=${w.value?.toString('base64')}`).sort();
}

const open = () =>
  new TopologyTestDriver((clock) => new PersonalizationProcessor({ topics, partitions: PARTITIONS, local: true, now: clock, wallClock: clock }), { partitions: assigned, wallClock: T0 + 3_600_000 });

describe('personalization topology across a crash', () => {
  it('a restart holds what the last commit held; the replayed tail reaches the uncrashed state', () => {
    const all = events(600, 7);
    const head = all.slice(0, 400);
    const tail = all.slice(400);

    const uncrashed = open();
    uncrashed.pipe(...catalogue);
    for (let i = 0; i < all.length; i += 50) uncrashed.pipe(...all.slice(i, i + 50));
    uncrashed.commit();

    const crashing = open();
    crashing.pipe(...catalogue);
    for (let i = 0; i < head.length; i += 50) crashing.pipe(...head.slice(i, i + 50));
    crashing.commit();
    const atCommit = snapshotOf(crashing);
    const streamTimeAtCommit = crashing.processor.stats.streamTime;
    const popularAtCommit = crashing.processor.popularity.top().map((s) => ({ ...s })); // the live list changes
    // Work after the commit is lost in the crash.
    crashing.pipe(...tail.slice(0, 100));

    const restarted = crashing.restart();
    assert.deepEqual(snapshotOf(restarted), atCommit, 'every store equals the last commit');
    assert.equal(restarted.processor.stats.streamTime, streamTimeAtCommit, 'stream time is the committed one');
    assert.deepEqual(restarted.processor.popularity.top(), popularAtCommit, 'popularity rebuilt from the committed items');

    for (let i = 0; i < tail.length; i += 50) restarted.pipe(...tail.slice(i, i + 50));
    restarted.commit();
    assert.deepEqual(snapshotOf(restarted), snapshotOf(uncrashed), 'the replayed tail brings every store to the uncrashed state');
    assert.equal(restarted.processor.stats.streamTime, uncrashed.processor.stats.streamTime);
    assert.deepEqual(restarted.processor.popularity.top(), uncrashed.processor.popularity.top());
  });

  it('the dedup index and the id dictionaries are committed state: a restart still knows committed event ids and interned ids', () => {
    const all = events(200, 11);
    const driver = open();
    driver.pipe(...catalogue);
    driver.pipe(...all.slice(0, 150));
    driver.commit();
    const committed = driver.committed();
    assert.ok(committed.some((w) => w.store === 'dedup'), 'dedup chunks in the changelog');
    assert.ok(committed.some((w) => w.store === 'dictionary'), 'dictionary chunks in the changelog');
    driver.pipe(...all.slice(150));
    const restarted = driver.restart();
    const before = restarted.processor.stats.processed;
    // A committed event sent again is a duplicate; an uncommitted one (lost in the crash) is new.
    restarted.pipe(all[10], all[160]);
    assert.equal(restarted.processor.stats.duplicates, 1);
    assert.equal(restarted.processor.stats.processed, before + 1);
    for (const [p, dictionary] of driver.processor.dictionaries.entries()) {
      const copy = restarted.processor.dictionaries.of(p);
      for (let id = 0; id < Math.min(dictionary.size, copy.size); id++) assert.equal(copy.name(id), dictionary.name(id), `partition ${p} id ${id}`);
    }
  });
});
