import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoppingWindows, TumblingWindows } from '../../src/stream/windows.ts';

test('tumbling: one window per ts, end exclusive, aligned to epoch 0', () => {
  const w = TumblingWindows.ofSize(1000);
  assert.deepEqual(w.windowsFor(0), [{ start: 0, end: 1000 }]);
  assert.deepEqual(w.windowsFor(999), [{ start: 0, end: 1000 }]);
  assert.deepEqual(w.windowsFor(1000), [{ start: 1000, end: 2000 }]);
  assert.deepEqual(w.windowsFor(-1), [{ start: -1000, end: 0 }]);
  assert.equal(w.startFor(1_700_000_000_123), 1_700_000_000_000);
});

test('tumbling: grace delays closing; withGrace returns a new value', () => {
  const w = TumblingWindows.ofSize(1000);
  const g = w.withGrace(500);
  assert.equal(w.graceMs, 0);
  assert.equal(g.graceMs, 500);
  assert.equal(g.sizeMs, 1000);
  const win = { start: 0, end: 1000 };
  assert.equal(w.isClosed(win, 999), false);
  assert.equal(w.isClosed(win, 1000), true);
  assert.equal(g.isClosed(win, 1499), false);
  assert.equal(g.isClosed(win, 1500), true);
  assert.ok(Object.isFrozen(g));
});

test('hopping: size divisible by advance gives size/advance windows, ordered by start', () => {
  const w = HoppingWindows.ofSizeAndAdvance(1000, 250);
  const ws = w.windowsFor(1100);
  assert.equal(ws.length, 4);
  assert.deepEqual(ws, [
    { start: 250, end: 1250 },
    { start: 500, end: 1500 },
    { start: 750, end: 1750 },
    { start: 1000, end: 2000 },
  ]);
  // Boundaries: ts on a start is in that window; ts on an end is not.
  const at = w.windowsFor(1000);
  assert.equal(at.length, 4);
  assert.equal(at[0].start, 250);
  assert.equal(at[3].start, 1000);
  for (const ts of [0, 1, 249, 250, 999, 1000, 12_345, -7]) {
    const got = w.windowsFor(ts);
    assert.equal(got.length, 4, `ts=${ts}`);
    for (const x of got) assert.ok(x.start <= ts && ts < x.end, `ts=${ts} in ${x.start}-${x.end}`);
  }
});

test('hopping: size not a multiple of advance gives floor or ceil windows, each containing ts', () => {
  const w = HoppingWindows.ofSizeAndAdvance(1000, 300);
  for (let ts = 0; ts < 3000; ts += 37) {
    const got = w.windowsFor(ts);
    assert.ok(got.length === 3 || got.length === 4, `ts=${ts} -> ${got.length}`);
    for (const x of got) {
      assert.ok(x.start <= ts && ts < x.end);
      assert.equal(Math.abs(x.start % 300), 0);
    }
    // None missing: the window just before the first and just after the last exclude ts.
    assert.ok(got[0].start - 300 + 1000 <= ts);
    assert.ok(got[got.length - 1].start + 300 > ts);
  }
  // Windows are pure geometry: around epoch 0 they start before it.
  assert.deepEqual(w.windowsFor(0).map((x) => x.start), [-900, -600, -300, 0]);
  assert.deepEqual(w.windowsFor(100).map((x) => x.start), [-600, -300, 0]);
  assert.deepEqual(w.windowsFor(999).map((x) => x.start), [0, 300, 600, 900]);
  assert.deepEqual(w.windowsFor(1000).map((x) => x.start), [300, 600, 900]);
});

test('hopping with advance == size is tumbling', () => {
  const w = HoppingWindows.ofSizeAndAdvance(500, 500);
  assert.deepEqual(w.windowsFor(750), [{ start: 500, end: 1000 }]);
});

test('factories validate and name the parameter', () => {
  assert.throws(() => TumblingWindows.ofSize(0), { name: 'RangeError', message: /sizeMs/ });
  assert.throws(() => TumblingWindows.ofSize(1.5), /sizeMs/);
  assert.throws(() => TumblingWindows.ofSize(Number.POSITIVE_INFINITY), /sizeMs/);
  assert.throws(() => TumblingWindows.ofSize(Number.NaN), /sizeMs/);
  assert.throws(() => TumblingWindows.ofSize(10).withGrace(-1), /graceMs/);
  assert.throws(() => HoppingWindows.ofSizeAndAdvance(-1, 1), /sizeMs/);
  assert.throws(() => HoppingWindows.ofSizeAndAdvance(100, 0), /advanceMs must be > 0 and <= sizeMs/);
  assert.throws(() => HoppingWindows.ofSizeAndAdvance(100, 101), { name: 'RangeError', message: /advanceMs/ });
  assert.throws(() => HoppingWindows.ofSizeAndAdvance(100, 10).withGrace(0.5), /graceMs/);
});
