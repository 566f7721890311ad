import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, SessionWindows, type SessionState } from '../../src/stream/session-window.ts';

const GAP = 30 * 60_000;
const s = SessionWindows.ofInactivityGapAndGrace(GAP, 60_000);

test('first event opens a zero-length session', () => {
  const r = s.observe(undefined, 1000);
  assert.deepEqual(r, { late: false, state: { start: 1000, end: 1000, events: 1 } });
  assert.equal(durationMs(r.state), 0);
});

test('events within the gap (inclusive) merge into the session', () => {
  let st: SessionState | undefined;
  for (const ts of [0, 10_000, 10_000 + GAP]) {
    const r = s.observe(st, ts);
    assert.equal(r.late, false);
    assert.ok(!('closed' in r && r.closed));
    st = r.state;
  }
  assert.deepEqual(st, { start: 0, end: 10_000 + GAP, events: 3 });
});

test('an event after the gap closes the session and returns it with its duration', () => {
  const open = { start: 0, end: 5000, events: 2 };
  const r = s.observe(open, 5001 + GAP);
  assert.equal(r.late, false);
  assert.deepEqual(r.state, { start: 5001 + GAP, end: 5001 + GAP, events: 1 });
  assert.ok(!r.late && r.closed);
  assert.deepEqual(r.closed, open);
  assert.equal(durationMs(r.closed), 5000);
});

test('out-of-order events within a gap of start extend the session backwards', () => {
  const open = { start: GAP * 2, end: GAP * 3, events: 5 };
  const r = s.observe(open, GAP);
  assert.deepEqual(r, { late: false, state: { start: GAP, end: GAP * 3, events: 6 } });
  // Inside the session: only the count changes.
  const inside = s.observe(open, GAP * 2 + 1);
  assert.deepEqual(inside.state, { start: GAP * 2, end: GAP * 3, events: 6 });
});

test('an event older than start - gap is late and leaves the state unchanged', () => {
  const open = { start: GAP * 2, end: GAP * 3, events: 5 };
  const r = s.observe(open, GAP - 1);
  assert.equal(r.late, true);
  assert.equal(r.state, open);
  assert.equal(s.observe(open, Number.NaN).late, true);
});

test('isClosed once end + gap + grace < watermark', () => {
  const sess = { start: 0, end: 1000, events: 1 };
  assert.equal(s.isClosed(sess, 1000 + GAP + 60_000), false);
  assert.equal(s.isClosed(sess, 1001 + GAP + 60_000), true);
});

test('factory validates', () => {
  assert.throws(() => SessionWindows.ofInactivityGapAndGrace(0, 0), { name: 'RangeError', message: /gapMs/ });
  assert.throws(() => SessionWindows.ofInactivityGapAndGrace(10, -1), /graceMs/);
  assert.equal(SessionWindows.ofInactivityGapAndGrace(10, 0).graceMs, 0);
});
