// activity_1h through the topology: interaction weights over the last hour (trending over 1h).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activity1h } from '../../../src/features/item/activity-1h.ts';
import { commitAndRestart, HOUR, interaction, itemState, itemValues, MINUTE, moveStreamTime, openTopology, T0 } from '../topology.ts';

test('activity_1h sums interaction weights of the hour, survives a restart, and expires', () => {
  let driver = openTopology();
  driver.pipe(interaction({ at: T0, type: 'share' }), interaction({ at: T0 + 30 * MINUTE, type: 'view', user: 'u2' }));
  assert.equal(itemState(driver)!.of(activity1h).sum(T0 + 30 * MINUTE), 5);
  assert.deepEqual([itemValues(driver)!.activity_1h, itemValues(driver)!.activity_10m], [5, 1]);

  driver = commitAndRestart(driver);
  assert.equal(itemValues(driver)!.activity_1h, 5);
  moveStreamTime(driver, T0 + HOUR + MINUTE);
  assert.equal(itemValues(driver)!.activity_1h, 1, 'the share left the hour');
  moveStreamTime(driver, T0 + 2 * HOUR);
  assert.equal(itemValues(driver)!.activity_1h, 0);
});
