// popularity (logPop) through the topology: a forward-decayed log-sum of weights, comparable across
// items at any time, read by the popularity index; the features API does not report it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INTERACTION_WEIGHT } from '../../../src/events/interaction.ts';
import { popularity } from '../../../src/features/item/popularity.ts';
import { logAddExp } from '../../../src/stream/state/forward-decayed-sum.ts';
import { halfLifeToLambda } from '../../../src/stream/decay.ts';
import { DEFAULT_PROCESSING } from '../../../src/pipeline/personalization-processor.ts';
import { commitAndRestart, HOUR, interaction, itemState, itemValues, openTopology, T0 } from '../topology.ts';

const lambda = halfLifeToLambda(DEFAULT_PROCESSING.popularityHalfLifeMs);

test('logPop is log(sum(w * exp(lambda * ts))); a newer item outranks an older one with the same weight', () => {
  let driver = openTopology();
  driver.pipe(interaction({ at: T0, type: 'click', item: 'old' }), interaction({ at: T0 + HOUR, type: 'like', item: 'old', user: 'u2' }));
  driver.pipe(interaction({ at: T0 + 24 * HOUR, type: 'click', item: 'new' }), interaction({ at: T0 + 24 * HOUR, type: 'like', item: 'new', user: 'u2' }));
  // In log space: exp(lambda * ts) itself overflows a float64.
  const expected = logAddExp(Math.log(INTERACTION_WEIGHT.click) + lambda * T0, Math.log(INTERACTION_WEIGHT.like) + lambda * (T0 + HOUR));
  const old = itemState(driver, 'old')!;
  assert.ok(Math.abs(old.logPop - expected) < 1e-9, `${old.logPop} vs ${expected}`);
  assert.equal(old.of(popularity).logValue, old.logPop);
  // A day is a half-life: the same weights a day later count twice as much (nearly: the hour apart).
  assert.ok(Math.abs(itemState(driver, 'new')!.logPop - old.logPop - Math.LN2) < 0.05);
  assert.deepEqual(driver.processor.popularity.top().slice(0, 2).map((s) => s.id), ['new', 'old']);
  assert.ok(!('popularity' in itemValues(driver, 'old')!), 'not a field of the features API');

  const top = driver.processor.popularity.top().map((s) => ({ ...s }));
  driver = commitAndRestart(driver);
  assert.equal(itemState(driver, 'old')!.logPop, old.logPop, 'restored exactly (a float64)');
  assert.deepEqual(driver.processor.popularity.top(), top, 'the popularity index is rebuilt from it');
});

test('an item only touched by weightless events has no popularity', () => {
  const driver = openTopology();
  driver.pipe(interaction({ at: T0, type: 'session_start', item: 'c1' }));
  assert.equal(itemState(driver)?.logPop ?? Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY);
});
