// session through the topology: the current gap-based session (duration, events, engagement); the
// same session id after more than the inactivity gap, or a new id, starts a new one; kept across a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engagementScore, session } from '../../../src/features/user/session.ts';
import { DEFAULT_USER_FEATURES } from '../../../src/features/user-features.ts';
import { commitAndRestart, interaction, MINUTE, openTopology, T0, userState, userValue } from '../topology.ts';

const gap = DEFAULT_USER_FEATURES.sessionGapMs;

test('session sums the open session, survives a restart, and starts over after the gap', () => {
  let driver = openTopology();
  driver.pipe(
    interaction({ at: T0, type: 'session_start', item: null, session: 'a' }),
    interaction({ at: T0 + MINUTE, type: 'dwell', session: 'a', dwellMs: 30_000 }),
    interaction({ at: T0 + 2 * MINUTE, type: 'click', session: 'a' }),
  );
  const sums = userState(driver)!.of(session).current!;
  assert.deepEqual(sums, { id: 'a', start: T0, end: T0 + 2 * MINUTE, events: 3, dwellMs: 30_000, weight: 1.5 + 2 });
  assert.deepEqual(userValue(driver, session), { session_id: 'a', duration_ms: 2 * MINUTE, events: 3, engagement_score: engagementScore(sums) });

  driver = commitAndRestart(driver);
  assert.deepEqual(userState(driver)!.of(session).current, sums);
  driver.pipe(interaction({ at: T0 + 2 * MINUTE + gap, type: 'view', session: 'a' }));
  assert.equal((userValue(driver, session) as { events: number }).events, 4, 'within the gap: the same session');
  driver.pipe(interaction({ at: T0 + 3 * MINUTE + 2 * gap, type: 'view', session: 'a' }));
  assert.deepEqual(userValue(driver, session), { session_id: 'a', duration_ms: 0, events: 1, engagement_score: engagementScore(userState(driver)!.of(session).current!) });
  driver.pipe(interaction({ at: T0 + 4 * MINUTE + 2 * gap, type: 'view', session: 'b' }));
  assert.equal((userValue(driver, session) as { session_id: string }).session_id, 'b', 'a new id starts a new session');
});
