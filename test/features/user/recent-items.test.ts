// recent_items through the topology: the user's recent content interactions, reported newest first,
// bounded by the configured cap; weightless events do not enter it; a restart keeps the list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recentItems } from '../../../src/features/user/recent-items.ts';
import { DEFAULT_USER_FEATURES } from '../../../src/features/user-features.ts';
import { catalogue, commitAndRestart, interaction, openTopology, T0, userState, userValue } from '../topology.ts';

test('recent_items lists interactions newest first, keeps the newest `cap`, and survives a restart', () => {
  let driver = openTopology();
  driver.pipe(...catalogue({ c1: 'news' }));
  driver.pipe(interaction({ at: T0, item: 'c1' }), interaction({ at: T0 + 1000, type: 'view', item: 'c2' }), interaction({ at: T0 + 2000, type: 'session_start', item: 'c3' }));
  assert.deepEqual(userState(driver)!.of(recentItems).entries, [
    ['c1', T0, 2, 'news'],
    ['c2', T0 + 1000, 1, null],
  ], 'id, time, weight, category; the session start is not an item interaction');
  assert.deepEqual(userValue(driver, recentItems), [
    { content_id: 'c2', timestamp: new Date(T0 + 1000).toISOString() },
    { content_id: 'c1', timestamp: new Date(T0).toISOString() },
  ]);

  driver = commitAndRestart(driver);
  assert.equal((userValue(driver, recentItems) as unknown[]).length, 2);
  const cap = DEFAULT_USER_FEATURES.recentItems;
  driver.pipe(...Array.from({ length: cap }, (_, i) => interaction({ at: T0 + 10_000 + i * 1000, type: 'view', item: `n${i}` })));
  const list = userValue(driver, recentItems) as { content_id: string }[];
  assert.equal(list.length, cap, 'bounded');
  assert.equal(list[0].content_id, `n${cap - 1}`);
  assert.ok(!list.some((e) => e.content_id === 'c1'), 'the oldest left');
});
