import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDecayed, decayTo, halfLifeToLambda, scoreAt } from '../../src/stream/decay.ts';

const HOUR = 3_600_000;
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} !~ ${b}`);

test('a value halves after one half-life and quarters after two', () => {
  const l = halfLifeToLambda(HOUR);
  close(decayTo(8, 0, HOUR, l), 4);
  close(decayTo(8, 1000, 1000 + 2 * HOUR, l), 2);
  assert.equal(decayTo(8, 5, 5, l), 8);
});

test('decayTo never grows a value when toTs < fromTs', () => {
  const l = halfLifeToLambda(HOUR);
  assert.equal(decayTo(8, HOUR, 0, l), 8);
});

test('halfLifeToLambda validates', () => {
  assert.throws(() => halfLifeToLambda(0), { name: 'RangeError', message: /halfLifeMs/ });
  assert.throws(() => halfLifeToLambda(-5), /halfLifeMs/);
  assert.throws(() => halfLifeToLambda(Number.POSITIVE_INFINITY), /halfLifeMs/);
});

test('addDecayed in order decays the old value to the new ts', () => {
  const l = halfLifeToLambda(HOUR);
  const s1 = addDecayed(undefined, 4, 0, l);
  assert.deepEqual(s1, { value: 4, ts: 0 });
  const s2 = addDecayed(s1, 1, HOUR, l);
  close(s2.value, 3);
  assert.equal(s2.ts, HOUR);
  assert.deepEqual(s1, { value: 4, ts: 0 }); // input untouched
});

test('addDecayed out of order adds the decayed amount and keeps the newer ts', () => {
  const l = halfLifeToLambda(HOUR);
  const s = addDecayed({ value: 1, ts: 2 * HOUR }, 4, HOUR, l);
  assert.equal(s.ts, 2 * HOUR);
  close(s.value, 3);
  // Arrival order does not matter.
  const inOrder = addDecayed(addDecayed(undefined, 4, HOUR, l), 1, 2 * HOUR, l);
  const outOfOrder = addDecayed(addDecayed(undefined, 1, 2 * HOUR, l), 4, HOUR, l);
  close(inOrder.value, outOfOrder.value);
  assert.equal(inOrder.ts, outOfOrder.ts);
});

test('scoreAt reads a decayed value without growth into the past', () => {
  const l = halfLifeToLambda(HOUR);
  assert.equal(scoreAt(undefined, 0, l), 0);
  close(scoreAt({ value: 10, ts: 0 }, HOUR, l), 5);
  assert.equal(scoreAt({ value: 10, ts: HOUR }, 0, l), 10);
});
