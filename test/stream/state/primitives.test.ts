// The small primitives: a sliding counter, decayed scores, a recent list, a dense vector, a session,
// scalars and a forward-decayed sum.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BucketedRing } from '../../../src/stream/bucketed-ring.ts';
import { DecayedScores } from '../../../src/stream/state/decayed-score.ts';
import { DenseVector } from '../../../src/stream/state/dense-vector.ts';
import { ForwardDecayedSum } from '../../../src/stream/state/forward-decayed-sum.ts';
import { RecentList, type EntryCodec } from '../../../src/stream/state/recent-list.ts';
import { Count, Scalar } from '../../../src/stream/state/scalar.ts';
import { SessionSlot } from '../../../src/stream/state/session-slot.ts';
import { SlidingCounter } from '../../../src/stream/state/sliding-counter.ts';
import { roundTrip } from './roundtrip.ts';

test('sliding counter: sums the last span, round-trips with its head and buckets', () => {
  const c = SlidingCounter.of(BucketedRing.spec(60_000, 10_000));
  c.add(1_000_000);
  c.add(1_030_000, 2);
  assert.equal(c.sum(1_030_000), 3);
  assert.equal(c.sum(1_080_000), 2, "the first one fell out of the span");
  const { copy, bytes } = roundTrip(c, SlidingCounter.decode);
  assert.ok(copy instanceof SlidingCounter);
  assert.deepEqual(copy.toJSON(), c.toJSON());
  assert.ok(bytes < 60, `${bytes} bytes`);
  const empty = roundTrip(SlidingCounter.of(BucketedRing.spec(60_000, 10_000)), SlidingCounter.decode).copy;
  assert.equal(empty.head, null);
});

test('decayed scores: halve over a half-life, round-trip exactly', () => {
  const scores = new DecayedScores(Math.LN2 / 1000);
  scores.add('a', 2, 0);
  scores.add('a', 1, 1000);
  assert.ok(Math.abs(scores.valuesAt(1000).a - 2) < 1e-12);
  const { copy } = roundTrip(scores, (r) => DecayedScores.decode(r, scores.lambda));
  assert.deepEqual(copy.scores, scores.scores);
});

test('recent list: keeps the newest `cap` entries, oldest first', () => {
  const codec: EntryCodec<[string, number]> = { encode: ([s, n], w) => void w.string(s).f64(n), decode: (r) => [r.string(), r.f64()], sizeBytes: () => 32 };
  const list = new RecentList(2, codec);
  list.push(['a', 1]);
  list.push(['b', 2]);
  list.push(['c', 3]);
  assert.deepEqual(list.entries, [['b', 2], ['c', 3]]);
  assert.deepEqual(roundTrip(list, (r) => RecentList.decode(r, codec)).copy.entries, list.entries);
});

test('dense vector: adds, dots, round-trips as float32', () => {
  const v = new DenseVector(3);
  v.addScaled([1, 2, 3], 0.5);
  assert.equal(v.dot([2, 2, 2]), 6);
  const { copy, bytes } = roundTrip(v, DenseVector.decode);
  assert.deepEqual([...copy.values], [...v.values]);
  assert.equal(bytes, 13);
});

test('session slot: one session while the gap holds, a new one after it or for another id', () => {
  const s = new SessionSlot(1000);
  s.observe('s1', 0);
  s.observe('s1', 900);
  assert.equal(s.current!.events, 2);
  s.observe('s1', 2000);
  assert.equal(s.current!.events, 1, 'past the gap');
  s.observe('s2', 2100);
  assert.equal(s.current!.id, 's2');
  assert.deepEqual(roundTrip(s, (r) => SessionSlot.decode(r, 1000)).copy.current, s.current);
});

test('sliding counter: the counts form (shape known to the owner) keeps halves as varints, anything else as float64, and negative heads', () => {
  const spec = BucketedRing.spec(60_000, 10_000);
  for (const [ts, amounts] of [[1_000_000, [1, 1.5, 2]], [1_000_000, [0.1, 1]], [-50_000, [1, 2]]] as const) {
    const c = SlidingCounter.of(spec);
    amounts.forEach((a, i) => c.add(ts + i * 10_000, a));
    const { copy, bytes } = roundTrip({ encode: (w) => c.encodeCounts(w) }, (r) => SlidingCounter.decodeCounts(r, spec));
    assert.deepEqual(copy.toJSON(), c.toJSON());
    if (amounts[0] === 1) assert.ok(bytes <= 10, `${bytes} bytes`);
  }
  assert.equal(roundTrip({ encode: (w) => SlidingCounter.of(spec).encodeCounts(w) }, (r) => SlidingCounter.decodeCounts(r, spec)).bytes, 1);
});

test('scalar, count and forward-decayed sum: round trips (the count as a varint, -Infinity kept)', () => {
  const last = new Scalar(0);
  last.raise(5);
  last.raise(3);
  assert.equal(roundTrip(last, Scalar.decode).copy.value, 5);
  const count = new Count();
  for (let i = 0; i < 300; i++) count.increment();
  const counted = roundTrip(count, Count.decode);
  assert.deepEqual([counted.copy.value, counted.bytes], [300, 2]);
  const sum = new ForwardDecayedSum();
  assert.equal(roundTrip(sum, ForwardDecayedSum.decode).copy.logValue, Number.NEGATIVE_INFINITY);
  sum.add(2, 1000, 1e-3);
  sum.add(3, 2000, 1e-3);
  assert.ok(Math.abs(sum.logValue - Math.log(2 * Math.exp(1) + 3 * Math.exp(2))) < 1e-12);
  assert.equal(roundTrip(sum, ForwardDecayedSum.decode).copy.logValue, sum.logValue);
});
