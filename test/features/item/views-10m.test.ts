// views_10m through the topology: views (not clicks) of the last ten minutes; restart; expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { views10m } from '../../../src/features/item/views-10m.ts';
import { commitAndRestart, interaction, itemState, itemValues, MINUTE, moveStreamTime, openTopology, T0 } from '../topology.ts';

test('views_10m counts views of the last ten minutes, survives a restart, and expires', () => {
  let driver = openTopology();
  driver.pipe(interaction({ at: T0, type: 'view' }), interaction({ at: T0 + 30_000, type: 'view', user: 'u2' }), interaction({ at: T0 + MINUTE, type: 'click' }));
  assert.equal(itemState(driver)!.of(views10m).sum(T0 + MINUTE), 2);
  assert.equal(itemValues(driver)!.views_10m, 2, 'the click does not count');

  driver = commitAndRestart(driver);
  assert.equal(itemValues(driver)!.views_10m, 2);
  moveStreamTime(driver, T0 + 10 * MINUTE + 10_000);
  assert.equal(itemValues(driver)!.views_10m, 1, 'the view at T0 left the window');
  moveStreamTime(driver, T0 + 11 * MINUTE);
  assert.equal(itemValues(driver)!.views_10m, 0);
});
