import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketedRing } from '../../src/stream/bucketed-ring.ts';

// 100 ms span of 10 buckets x 10 ms: small numbers keep the edges readable.
const spec = BucketedRing.spec(100, 10);
const T = 1_000_000; // a bucket boundary, away from 0

test('spec validates span as a multiple of bucket', () => {
  assert.deepEqual(spec, { spanMs: 100, bucketMs: 10 });
  assert.throws(() => BucketedRing.spec(105, 10), { name: 'RangeError', message: /spanMs must be a multiple of bucketMs/ });
  assert.throws(() => BucketedRing.spec(0, 10), /spanMs/);
  assert.throws(() => BucketedRing.spec(100, 0), /bucketMs/);
  assert.throws(() => BucketedRing.spec(100, 2.5), /bucketMs/);
  assert.throws(() => new BucketedRing({ spanMs: 100, bucketMs: 30 }), RangeError);
});

test('an event exactly on a bucket boundary belongs to the bucket starting there', () => {
  const r = new BucketedRing(spec);
  r.add(T);
  assert.equal(r.head, T / 10);
  r.add(T - 1);
  assert.equal(r.head, T / 10);
  // The query's bucket includes events later in that bucket (bucket granularity).
  assert.equal(r.sum(T), 2);
  assert.equal(r.sum(T - 1), 1); // bucket [T, T+10) is newer than now's bucket
});

test('sum counts buckets overlapping (now - span, now]', () => {
  const r = new BucketedRing(spec);
  r.add(T); // bucket [T, T+10)
  r.add(T + 5, 2);
  // now = T + 100: (T, T + 100] overlaps [T, T+10) by (T, T+10): counted.
  assert.equal(r.sum(T + 100), 3);
  // now = T + 109 still overlaps [T, T+10) at T + 9.
  assert.equal(r.sum(T + 109), 3);
  // now = T + 110: (T+10, T+110] no longer touches [T, T+10).
  assert.equal(r.sum(T + 110), 0);
  // An event exactly at now - span sits in the oldest overlapping bucket, so it is counted.
  const q = new BucketedRing(spec);
  q.add(T + 37);
  q.add(T + 137);
  assert.equal(q.sum(T + 137), 2);
  assert.equal(q.sum(T + 140), 1);
});

test('late events older than the ring are rejected; those in the oldest kept bucket are not', () => {
  const r = new BucketedRing(spec);
  assert.equal(r.add(T + 100), true); // head bucket starts at T + 100
  assert.equal(r.add(T), true); // head*b - span = T: still held
  assert.equal(r.add(T - 1), false);
  assert.equal(r.add(Number.NaN), false);
  assert.equal(r.add(Number.POSITIVE_INFINITY), false);
  assert.equal(r.sum(T + 100), 2);
});

test('advancing time expires buckets that fall out', () => {
  const r = new BucketedRing(spec);
  for (let i = 0; i < 10; i++) r.add(T + i * 10); // one per bucket
  assert.equal(r.sum(T + 99), 10);
  r.add(T + 120); // head moves 3 buckets; [T, T+10), [T+10, T+20) are cleared
  assert.equal(r.sum(T + 120), 9); // buckets T+20 .. T+120
  // Rejected now, since the ring moved on.
  assert.equal(r.add(T + 19), false);
});

test('a jump of more than a full span clears everything', () => {
  const r = new BucketedRing(spec);
  for (let i = 0; i < 10; i++) r.add(T + i * 10, 5);
  r.add(T + 10_000);
  assert.equal(r.sum(T + 10_000), 1);
  assert.deepEqual(r.toJSON().counts, [1]);
  // Exactly one ring length (11 buckets) also clears the previous head bucket.
  const q = new BucketedRing(spec);
  q.add(T);
  q.advanceTo(T + 110);
  assert.equal(q.sum(T + 110), 0);
  assert.equal(q.add(T), false);
});

test('sum is a pure read and reports 0 for an empty ring or a far future', () => {
  const r = new BucketedRing(spec);
  assert.equal(r.sum(T), 0);
  assert.equal(r.head, null);
  r.add(T, 4);
  assert.equal(r.sum(T + 1_000_000), 0);
  assert.equal(r.sum(T), 4); // the far-future read did not expire anything
});

test('negative (pre-epoch) timestamps work', () => {
  const r = new BucketedRing(spec);
  r.add(-5);
  r.add(-15);
  assert.equal(r.head, -1);
  assert.equal(r.sum(-1), 2);
});

test('toJSON is compact and round-trips', () => {
  const r = new BucketedRing(spec);
  r.add(T + 100, 3);
  r.add(T + 80, 1.5);
  r.add(T + 50);
  const json = r.toJSON();
  assert.deepEqual(json, { spanMs: 100, bucketMs: 10, head: (T + 100) / 10, counts: [3, 0, 1.5, 0, 0, 1] });
  const copy = BucketedRing.fromJSON(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(copy.toJSON(), json);
  for (const now of [T + 100, T + 140, T + 159, T + 160, T + 200]) assert.equal(copy.sum(now), r.sum(now));
  assert.equal(copy.add(T - 1), false);
  assert.equal(copy.add(T), true);

  const empty = new BucketedRing(spec).toJSON();
  assert.deepEqual(empty, { spanMs: 100, bucketMs: 10, head: null, counts: [] });
  assert.equal(BucketedRing.fromJSON(empty).head, null);
});

test('fromJSON rejects malformed input', () => {
  assert.throws(() => BucketedRing.fromJSON({ spanMs: 100, bucketMs: 10, head: 1, counts: new Array(12).fill(0) }), /counts/);
  assert.throws(() => BucketedRing.fromJSON({ spanMs: 100, bucketMs: 10, head: 1.5, counts: [] }), /head/);
  assert.throws(() => BucketedRing.fromJSON({ spanMs: 100, bucketMs: 10, head: null, counts: [1] }), /counts/);
  assert.throws(() => BucketedRing.fromJSON({ spanMs: 100, bucketMs: 10, head: 1, counts: [Number.NaN] }), /counts\[0\]/);
  assert.throws(() => BucketedRing.fromJSON({ spanMs: 100, bucketMs: 7, head: 1, counts: [] }), /spanMs/);
});
