// category_affinity through the topology: interest per category, by interaction weight, decayed with
// a half-life as event time moves on; reported normalised to sum 1; kept exactly across a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categoryAffinity } from '../../../src/features/user/category-affinity.ts';
import { DEFAULT_USER_FEATURES } from '../../../src/features/user-features.ts';
import { catalogue, commitAndRestart, HOUR, interaction, moveStreamTime, openTopology, T0, userState, userValue } from '../topology.ts';

const halfLife = DEFAULT_USER_FEATURES.affinityHalfLifeMs;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

test('category_affinity weighs by interaction, decays with its half-life, and survives a restart', () => {
  let driver = openTopology();
  driver.pipe(...catalogue({ n1: 'news', s1: 'sports' }));
  driver.pipe(interaction({ at: T0, type: 'share', item: 'n1' }), interaction({ at: T0 + 1000, type: 'session_start', item: null }));
  assert.deepEqual(userValue(driver, categoryAffinity), { news: 1 });

  // Twelve hours later a like (3) on sports meets news' share (4) decayed by 2^(-12h / half-life).
  driver.pipe(interaction({ at: T0 + 12 * HOUR, type: 'like', item: 's1' }));
  const news = 4 * 2 ** (-(12 * HOUR) / halfLife);
  assert.deepEqual(userValue(driver, categoryAffinity), { news: round4(news / (news + 3)), sports: round4(3 / (news + 3)) });

  const scores = userState(driver)!.of(categoryAffinity);
  const before = scores.valuesAt(driver.processor.streamTime());
  driver = commitAndRestart(driver);
  assert.deepEqual(userState(driver)!.of(categoryAffinity).scores, scores.scores, 'restored exactly');

  // Stream time moving on decays every score alike: the raw scores halve, the shares stay.
  moveStreamTime(driver, T0 + 12 * HOUR + halfLife / 9);
  const later = userState(driver)!.of(categoryAffinity).valuesAt(driver.processor.streamTime());
  assert.ok(Math.abs(later.sports / before.sports - 2 ** (-1 / 9)) < 1e-9);
  assert.deepEqual(userValue(driver, categoryAffinity), { news: round4(news / (news + 3)), sports: round4(3 / (news + 3)) });
});
