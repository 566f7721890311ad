// activity_10m through the topology: every interaction by its weight over ten minutes (what
// trending over 10m ranks by); weightless events do not count; an idle instance's stream time follows
// the wall clock, so the window empties without new events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INTERACTION_WEIGHT } from '../../../src/events/interaction.ts';
import { activity10m } from '../../../src/features/item/activity-10m.ts';
import { commitAndRestart, interaction, itemState, itemValues, MINUTE, openTopology, T0 } from '../topology.ts';

test('activity_10m sums interaction weights, survives a restart, and empties as idle stream time moves', () => {
  let driver = openTopology();
  const types = ['view', 'click', 'like', 'share', 'dwell'] as const;
  driver.pipe(...types.map((type, i) => interaction({ at: T0 + i * 1000, type, user: `u${i}`, dwellMs: 5000 })));
  driver.pipe(interaction({ at: T0 + 6000, type: 'session_start', user: 'u9', item: 'c1' }));
  const expected = types.reduce((sum, type) => sum + INTERACTION_WEIGHT[type], 0);
  assert.equal(itemState(driver)!.of(activity10m).sum(T0 + 6000), expected);
  assert.equal(itemValues(driver)!.activity_10m, expected, 'a session start weighs nothing');

  driver = commitAndRestart(driver);
  assert.equal(itemValues(driver)!.activity_10m, expected);
  // No events: after the idle timeout stream time follows the wall clock (minus the allowed lateness).
  // The wall clock is a day past the events: once idle, stream time jumps to it.
  driver.advanceWallClock(2 * MINUTE);
  assert.ok(driver.processor.streamTime() > T0 + 10 * MINUTE + 10_000, `stream time ${driver.processor.streamTime() - T0}`);
  assert.equal(itemValues(driver)!.activity_10m, 0);
});
