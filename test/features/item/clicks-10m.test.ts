// clicks_10m through the topology: clicks (not views) of the last ten minutes of stream time, in
// 10 s buckets; a click too old for the window is late; a restart keeps the counter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clicks10m } from '../../../src/features/item/clicks-10m.ts';
import { commitAndRestart, interaction, itemState, itemValues, MINUTE, moveStreamTime, openTopology, T0, topics } from '../topology.ts';

test('clicks_10m counts the clicks of the last ten minutes and lets them expire as stream time moves', () => {
  let driver = openTopology();
  driver.pipe(interaction({ at: T0 }), interaction({ at: T0 + MINUTE, user: 'u2' }), interaction({ at: T0 + 2 * MINUTE, type: 'view' }));
  const counter = itemState(driver)!.of(clicks10m);
  assert.equal(counter.head, Math.floor((T0 + MINUTE) / 10_000), 'a view does not move the clicks window');
  assert.equal(itemValues(driver)!.clicks_10m, 2);

  driver = commitAndRestart(driver);
  assert.deepEqual(itemState(driver)!.of(clicks10m).toJSON(), counter.toJSON(), 'the restart restores the buckets');
  assert.equal(itemValues(driver)!.clicks_10m, 2);

  // The window is (now - 10 min, now] at bucket granularity: the click at T0 leaves one bucket after.
  moveStreamTime(driver, T0 + 10 * MINUTE);
  assert.equal(itemValues(driver)!.clicks_10m, 2);
  moveStreamTime(driver, T0 + 10 * MINUTE + 10_000);
  assert.equal(itemValues(driver)!.clicks_10m, 1);
  moveStreamTime(driver, T0 + 11 * MINUTE + 10_000);
  assert.equal(itemValues(driver)!.clicks_10m, 0);
});

test('clicks_10m: a click older than the window by its newest click is late and not counted', () => {
  const driver = openTopology();
  driver.pipe(interaction({ at: T0 + 20 * MINUTE }));
  driver.pipe(interaction({ at: T0 + 5 * MINUTE, user: 'u2' }));
  assert.equal(itemState(driver)!.of(clicks10m).sum(T0 + 20 * MINUTE), 1);
  assert.equal(driver.readOutput(topics.late).length, 1);
  assert.equal(itemValues(driver)!.clicks_1h, 2, 'the hour still holds it');
});
