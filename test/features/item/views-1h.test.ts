// views_1h through the topology: views of the last hour of stream time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { views1h } from '../../../src/features/item/views-1h.ts';
import { commitAndRestart, HOUR, interaction, itemState, itemValues, MINUTE, moveStreamTime, openTopology, T0 } from '../topology.ts';

test('views_1h counts the views of the last hour, survives a restart, and expires', () => {
  let driver = openTopology();
  driver.pipe(interaction({ at: T0, type: 'view' }), interaction({ at: T0 + 40 * MINUTE, type: 'view', user: 'u2' }), interaction({ at: T0 + 41 * MINUTE, type: 'like' }));
  assert.equal(itemState(driver)!.of(views1h).sum(T0 + 41 * MINUTE), 2);
  assert.equal(itemValues(driver)!.views_1h, 2);

  driver = commitAndRestart(driver);
  assert.equal(itemValues(driver)!.views_1h, 2);
  moveStreamTime(driver, T0 + HOUR + MINUTE);
  assert.equal(itemValues(driver)!.views_1h, 1);
  moveStreamTime(driver, T0 + 2 * HOUR);
  assert.equal(itemValues(driver)!.views_1h, 0);
});
