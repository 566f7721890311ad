// clicks_1h through the topology: clicks of the last hour of stream time, in 1 min buckets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clicks1h } from '../../../src/features/item/clicks-1h.ts';
import { commitAndRestart, HOUR, interaction, itemState, itemValues, MINUTE, moveStreamTime, openTopology, T0 } from '../topology.ts';

test('clicks_1h counts the clicks of the last hour, past ten minutes, and expires after the hour', () => {
  let driver = openTopology();
  driver.pipe(interaction({ at: T0 }), interaction({ at: T0 + 20 * MINUTE, user: 'u2' }), interaction({ at: T0 + 25 * MINUTE, type: 'view' }));
  assert.equal(itemState(driver)!.of(clicks1h).sum(T0 + 25 * MINUTE), 2);
  assert.deepEqual([itemValues(driver)!.clicks_1h, itemValues(driver)!.clicks_10m], [2, 1]);

  driver = commitAndRestart(driver);
  assert.equal(itemValues(driver)!.clicks_1h, 2);
  moveStreamTime(driver, T0 + HOUR);
  assert.equal(itemValues(driver)!.clicks_1h, 2, 'the oldest bucket still overlaps the hour');
  moveStreamTime(driver, T0 + HOUR + MINUTE);
  assert.equal(itemValues(driver)!.clicks_1h, 1);
  moveStreamTime(driver, T0 + HOUR + 21 * MINUTE);
  assert.equal(itemValues(driver)!.clicks_1h, 0);
});
