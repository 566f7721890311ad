// seen_items through the topology: the items a user consumed (clicked, liked, shared), which are
// never recommended to them again; views do not count; reported as how many; kept across a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seenItems } from '../../../src/features/user/seen-items.ts';
import { commitAndRestart, interaction, openTopology, T0, userState, userValue } from '../topology.ts';

test('seen_items holds consumed items once each, not viewed ones, and survives a restart', () => {
  let driver = openTopology();
  driver.pipe(
    interaction({ at: T0, type: 'click', item: 'a' }),
    interaction({ at: T0 + 1000, type: 'like', item: 'b' }),
    interaction({ at: T0 + 2000, type: 'share', item: 'a' }),
    interaction({ at: T0 + 3000, type: 'view', item: 'v' }),
  );
  const seen = userState(driver)!.of(seenItems);
  assert.deepEqual([seen.has('a'), seen.has('b'), seen.has('v')], [true, true, false]);
  assert.equal(userValue(driver, seenItems), 2);

  driver = commitAndRestart(driver);
  const restored = userState(driver)!.of(seenItems);
  assert.deepEqual([...restored].sort(), ['a', 'b'], 'the interned ids resolve through the restored dictionary');
  driver.pipe(interaction({ at: T0 + 4000, type: 'click', item: 'v' }));
  assert.equal(userValue(driver, seenItems), 3);
});
