// interactions_total through the topology: every weighted interaction, all time (no window).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interactionsTotal } from '../../../src/features/item/interactions-total.ts';
import { commitAndRestart, HOUR, interaction, itemState, itemValues, moveStreamTime, openTopology, T0 } from '../topology.ts';

test('interactions_total counts every weighted interaction, never expires, and survives a restart', () => {
  let driver = openTopology();
  const types = ['view', 'click', 'like', 'share', 'dwell', 'session_end'] as const;
  driver.pipe(...types.map((type, i) => interaction({ at: T0 + i * 1000, type, user: `u${i}` })));
  assert.equal(itemState(driver)!.of(interactionsTotal).value, 5, 'a session end is not an interaction with the item');
  assert.equal(itemValues(driver)!.interactions_total, 5);

  driver = commitAndRestart(driver);
  moveStreamTime(driver, T0 + 20 * HOUR);
  assert.equal(itemValues(driver)!.interactions_total, 5);
  driver.pipe(interaction({ at: T0 + 20 * HOUR, type: 'view', user: 'u7' }));
  assert.equal(itemValues(driver)!.interactions_total, 6);
  assert.equal(itemState(driver)!.total, 6, 'what serving reads');
});
