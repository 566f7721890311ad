// recent_categories through the topology: categories of the items a user interacted with (from the
// catalogue), newest first without repeats; items without a category do not count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recentCategories } from '../../../src/features/user/recent-categories.ts';
import { catalogue, commitAndRestart, interaction, openTopology, T0, userState, userValue } from '../topology.ts';

test('recent_categories is newest first without repeats, and survives a restart', () => {
  let driver = openTopology();
  driver.pipe(...catalogue({ n1: 'news', n2: 'news', s1: 'sports', t1: 'tech' }));
  driver.pipe(
    interaction({ at: T0, item: 'n1' }),
    interaction({ at: T0 + 1000, type: 'view', item: 's1' }),
    interaction({ at: T0 + 2000, item: 'n2' }),
    interaction({ at: T0 + 3000, item: 'uncatalogued' }),
  );
  assert.deepEqual(userState(driver)!.of(recentCategories).entries, [
    ['news', T0],
    ['sports', T0 + 1000],
    ['news', T0 + 2000],
  ]);
  assert.deepEqual(userValue(driver, recentCategories), ['news', 'sports']);

  driver = commitAndRestart(driver);
  assert.deepEqual(userValue(driver, recentCategories), ['news', 'sports']);
  driver.pipe(interaction({ at: T0 + 4000, item: 't1' }), interaction({ at: T0 + 5000, item: 's1' }));
  assert.deepEqual(userValue(driver, recentCategories), ['sports', 'tech', 'news']);
});
