// The item features' registry and the item state's binary codec: round trips, the JSON state
// committed before the binary codec still reads (an upgrade restores it), a feature appended to
// the registry reads as empty from older state, and malformed bytes are errors, not garbage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countInteraction, emptyItemState, ITEM_FEATURE_UNITS, itemFeatureValues, itemStateCodec, type ItemState } from '../../src/features/item-features.ts';
import { Rng } from '../../src/sim/random.ts';

const T = Date.UTC(2026, 10, 28, 10);
const LAMBDA = 1e-8;
const types = ['view', 'click', 'like', 'share', 'dwell', 'session_start'] as const;

function randomItem(seed: number, n: number): ItemState {
  const rng = new Rng(seed);
  const state = emptyItemState();
  let ts = T;
  for (let i = 0; i < n; i++) countInteraction(state, types[rng.int(types.length)], (ts += rng.int(90_000)), LAMBDA);
  return state;
}

test('the registry: unique names, and the features API fields in the order it always had', () => {
  const names = ITEM_FEATURE_UNITS.map((u) => u.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(Object.keys(itemFeatureValues(emptyItemState(), T)), ['clicks_10m', 'views_10m', 'clicks_1h', 'views_1h', 'ctr_1h', 'activity_10m', 'activity_1h', 'interactions_total', 'last_interaction']);
});

test('item state round-trips through its binary form: the same values, primitives and bytes', () => {
  for (const [seed, n] of [[1, 0], [2, 1], [3, 40], [4, 500]]) {
    const state = randomItem(seed, n);
    const bytes = itemStateCodec.encode(state);
    const copy = itemStateCodec.decode(bytes);
    assert.deepEqual(copy.toJSON(), state.toJSON());
    assert.deepEqual(itemFeatureValues(copy, T + n * 45_000), itemFeatureValues(state, T + n * 45_000));
    assert.ok(itemStateCodec.encode(copy).equals(bytes), 'encoding is deterministic');
  }
  const one = emptyItemState();
  countInteraction(one, 'click', T, LAMBDA);
  assert.ok(itemStateCodec.encode(one).length <= 64, `an item with one click: ${itemStateCodec.encode(one).length} bytes`);
});

test('item state committed as JSON (before the binary codec) still reads, to the same values', () => {
  // Written by the JSON codec this one replaced: a click, a view 30 s later, a share at 20 minutes.
  const legacy =
    '{"rings":[{"spanMs":600000,"bucketMs":10000,"head":179586000,"counts":[1]},{"spanMs":600000,"bucketMs":10000,"head":179586003,"counts":[1]},{"spanMs":3600000,"bucketMs":60000,"head":29931000,"counts":[1]},{"spanMs":3600000,"bucketMs":60000,"head":29931000,"counts":[1]},{"spanMs":600000,"bucketMs":10000,"head":179586120,"counts":[4]},{"spanMs":3600000,"bucketMs":60000,"head":29931020,"counts":[4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3]}],"logPop":17960.552827483392,"total":3,"last":1795861200000}';
  const state = itemStateCodec.decode(Buffer.from(legacy));
  assert.deepEqual(itemFeatureValues(state, T + 20 * 60_000), {
    clicks_10m: 0, views_10m: 0, clicks_1h: 1, views_1h: 1, ctr_1h: 0.1364, activity_10m: 4, activity_1h: 7, interactions_total: 3, last_interaction: '2026-11-28T10:20:00.000Z',
  });
  assert.equal(state.logPop, 17960.552827483392);
  const rewritten = emptyItemState();
  for (const [type, ts] of [['click', T], ['view', T + 30_000], ['share', T + 20 * 60_000]] as const) countInteraction(rewritten, type, ts, LAMBDA);
  assert.deepEqual(itemStateCodec.decode(itemStateCodec.encode(state)).toJSON(), { ...rewritten.toJSON(), popularity: 17960.552827483392 });
});

test('a feature appended after the state was written starts empty; malformed bytes throw', () => {
  const state = randomItem(9, 30);
  const bytes = itemStateCodec.encode(state);
  // The last feature (last_interaction) is a float64: state from before it existed ends 8 bytes early.
  const older = itemStateCodec.decode(bytes.subarray(0, bytes.length - 8));
  assert.equal(older.last, 0);
  assert.equal(older.total, state.total);
  assert.throws(() => itemStateCodec.decode(Buffer.concat([bytes, Buffer.from([0])])), RangeError, 'trailing bytes');
  assert.throws(() => itemStateCodec.decode(Buffer.from([2])), RangeError, 'unknown format');
  assert.throws(() => itemStateCodec.decode(Buffer.from([1, 9])), RangeError, 'unknown counter tag');
  assert.throws(() => itemStateCodec.decode(Buffer.from([1, 1, 5, 200])), RangeError, 'more buckets than the window has');
});
