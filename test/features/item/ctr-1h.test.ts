// ctr_1h through the topology: a derived feature (no state of its own) over clicks_1h and views_1h,
// smoothed so that a click on one view is not a 100% CTR.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ctr1h } from '../../../src/features/item/ctr-1h.ts';
import { clicks1h } from '../../../src/features/item/clicks-1h.ts';
import { views1h } from '../../../src/features/item/views-1h.ts';
import { commitAndRestart, HOUR, interaction, itemValues, MINUTE, moveStreamTime, openTopology, T0 } from '../topology.ts';

const smoothed = (clicks: number, views: number) => Math.round(((clicks + 0.5) / (views + 10)) * 1e4) / 1e4;

test('ctr_1h reads the hour\'s clicks and views, survives a restart, and falls back to the prior as they expire', () => {
  assert.deepEqual(ctr1h.reads, [clicks1h, views1h]);
  let driver = openTopology();
  const views = Array.from({ length: 6 }, (_, i) => interaction({ at: T0 + i * 1000, type: 'view', user: `u${i}` }));
  driver.pipe(...views, interaction({ at: T0 + 10_000, user: 'u0' }), interaction({ at: T0 + 30 * MINUTE, user: 'u1' }));
  assert.equal(itemValues(driver)!.ctr_1h, smoothed(2, 6));

  driver = commitAndRestart(driver);
  assert.equal(itemValues(driver)!.ctr_1h, smoothed(2, 6));
  moveStreamTime(driver, T0 + HOUR + MINUTE);
  assert.equal(itemValues(driver)!.ctr_1h, smoothed(1, 0), 'the views and the first click left the hour');
  moveStreamTime(driver, T0 + 2 * HOUR);
  assert.equal(itemValues(driver)!.ctr_1h, smoothed(0, 0));
});
