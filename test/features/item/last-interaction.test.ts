// last_interaction through the topology: the newest interaction's event time (what keeps an item in
// the active set), never moved back by an older event arriving late.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastInteraction } from '../../../src/features/item/last-interaction.ts';
import { commitAndRestart, interaction, itemState, itemValues, MINUTE, openTopology, T0 } from '../topology.ts';

test('last_interaction is the newest event time, ignores older ones arriving later, and survives a restart', () => {
  let driver = openTopology();
  driver.pipe(interaction({ at: T0 + 5 * MINUTE }), interaction({ at: T0 + 4 * MINUTE, user: 'u2' }));
  assert.equal(itemState(driver)!.of(lastInteraction).value, T0 + 5 * MINUTE);
  assert.equal(itemValues(driver)!.last_interaction, new Date(T0 + 5 * MINUTE).toISOString());

  driver = commitAndRestart(driver);
  assert.equal(itemState(driver)!.last, T0 + 5 * MINUTE);
  driver.pipe(interaction({ at: T0 + 6 * MINUTE, type: 'view', user: 'u3' }));
  assert.equal(itemValues(driver)!.last_interaction, new Date(T0 + 6 * MINUTE).toISOString());
  assert.ok(driver.processor.popularity.top().some((s) => s.id === 'c1'));
});

test('an item only touched by weightless events reports no last interaction', () => {
  const driver = openTopology();
  driver.pipe(interaction({ at: T0, type: 'session_start' }));
  assert.equal(itemValues(driver)?.last_interaction ?? null, null);
});
