import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeWatermarks, Watermark } from '../../src/stream/watermark.ts';

test('watermark = max event time - allowed lateness, and never moves back', () => {
  const w = new Watermark(1000);
  assert.equal(w.current(), Number.NEGATIVE_INFINITY);
  assert.equal(w.isLate(0), false);
  assert.equal(w.observe(10_000), false);
  assert.equal(w.current(), 9000);
  assert.equal(w.observe(9500), false); // older but within lateness
  assert.equal(w.current(), 9000);
  assert.equal(w.maxEventTs(), 10_000);
  w.observe(12_000);
  assert.equal(w.current(), 11_000);
});

test('late events: ts < watermark is late and counted; ts == watermark is on time', () => {
  const w = new Watermark(1000);
  w.observe(10_000);
  assert.equal(w.isLate(9000), false);
  assert.equal(w.isLate(8999), true);
  assert.equal(w.observe(9000), false);
  assert.equal(w.observe(8999), true);
  assert.equal(w.observe(1), true);
  assert.equal(w.lateCount, 2);
  assert.equal(w.current(), 9000);
});

test('zero lateness: anything older than the max is late; NaN is late', () => {
  const w = new Watermark(0);
  w.observe(5);
  assert.equal(w.observe(5), false);
  assert.equal(w.observe(4), true);
  assert.equal(w.observe(Number.NaN), true);
  assert.equal(w.current(), 5);
});

test('lateness is validated', () => {
  assert.throws(() => new Watermark(-1), { name: 'RangeError', message: /allowedLatenessMs/ });
  assert.throws(() => new Watermark(Number.NaN), /allowedLatenessMs/);
});

test('mergeWatermarks is the min over partitions; an idle partition holds it back', () => {
  const a = new Watermark(100);
  const b = new Watermark(100);
  const c = new Watermark(100);
  a.observe(5000);
  b.observe(3000);
  assert.equal(mergeWatermarks([a, b]), 2900);
  assert.equal(mergeWatermarks([a, b, c]), Number.NEGATIVE_INFINITY);
  c.observe(9000);
  assert.equal(mergeWatermarks([a, b, c]), 2900);
  assert.equal(mergeWatermarks([7, 3, 5]), 3);
  assert.equal(mergeWatermarks([a, 1000]), 1000);
  assert.equal(mergeWatermarks([]), Number.NEGATIVE_INFINITY);
});
