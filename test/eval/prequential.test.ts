import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GlobalPopularity, RankedCounter, RecentPopularity } from '../../src/eval/baselines.ts';
import { runPrequential, type Recommender } from '../../src/eval/prequential.ts';
import type { ReplayEvent } from '../../src/eval/readers.ts';
import { PipelineRecommender } from '../../src/eval/pipeline-replay.ts';
import { renderReport } from '../../src/eval/report.ts';
import { plantedEvents } from '../support/planted-log.ts';
import { skipOutsideCi } from '../support/skip.ts';

const ev = (userId: string, itemId: string, ts: number): ReplayEvent => ({ userId, itemId, ts, type: 'view' });

test('test-then-train: repeats are learned but not scored, exclusion is the user history', async () => {
  const calls: { user: string; exclude: string[] }[] = [];
  const learned: string[] = [];
  const fake: Recommender = {
    name: 'fake',
    recommend(userId, _k, _ts, exclude) {
      calls.push({ user: userId, exclude: [...exclude].sort() });
      return ['a', 'b', 'c'].filter((id) => !exclude.has(id));
    },
    async learn(e) {
      learned.push(`${e.userId}:${e.itemId}`);
    },
  };
  const events = [ev('u1', 'a', 1), ev('u1', 'b', 2), ev('u1', 'a', 3), ev('u2', 'a', 4), ev('u1', 'c', 5)];
  const [r] = await runPrequential(events, [fake], { k: 2 });
  assert.deepEqual(calls, [
    { user: 'u1', exclude: [] },
    { user: 'u1', exclude: ['a'] },
    { user: 'u2', exclude: [] },
    { user: 'u1', exclude: ['a', 'b'] },
  ]);
  assert.equal(learned.length, 5, 'the repeat is still learned');
  assert.equal(r.count, 4);
  assert.equal(r.events, 5);
  // hits: a at 0, b at 0 (a excluded), a at 0 for u2, c at 0: all four
  assert.equal(r.hr, 1);
  assert.deepEqual([...r.hits], [1, 1, 1, 1]);
});

test('popularity baselines rank by (decayed) counts and never return excluded items', () => {
  const g = new GlobalPopularity();
  for (const [id, n] of [['x', 3], ['y', 5], ['z', 1]] as const) for (let i = 0; i < n; i++) g.learn(ev('u', id, i));
  assert.deepEqual(g.recommend('u', 2, 0, new Set()), ['y', 'x']);
  assert.deepEqual(g.recommend('u', 2, 0, new Set(['y'])), ['x', 'z']);
  const r = new RecentPopularity(1000);
  for (let i = 0; i < 5; i++) r.learn(ev('u', 'old', i));
  r.learn(ev('u', 'new', 10_000));
  assert.deepEqual(r.recommend('u', 2, 10_000, new Set()), ['new', 'old'], '10 half-lives make 5 old events worth less than one new');
  const c = new RankedCounter();
  for (const id of ['a', 'b', 'b', 'c', 'c', 'c', 'a', 'a', 'a']) c.add(id);
  assert.deepEqual(c.top(3), ['a', 'c', 'b']);
  assert.equal(c.rankOf('b'), 2);
});

/** Users with one or two favourite categories out of 8; items with Zipf popularity. */
const plantedTaste = (seed: number): ReplayEvent[] => plantedEvents({ events: 8000, users: 300, blocks: 8, perBlock: 60, seed });

test('planted taste: eddy (the service pipeline) at least doubles global popularity', async () => {
  const eddy = await PipelineRecommender.open();
  const [pop, ref] = await runPrequential(plantedTaste(11), [new GlobalPopularity(), eddy], { k: 10 });
  assert.ok(ref.hr >= 2 * pop.hr, `eddy ${ref.hr.toFixed(4)} vs popularity ${pop.hr.toFixed(4)}`);
  assert.ok(ref.coverage > pop.coverage);
  const html = renderReport([ref, pop], { k: 10, every: 1000 });
  assert.match(html, /<svg/);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/);
});

// The rating data lives beside the checkout (research licence: read it there, never copy it in).
// A clone elsewhere finds it through EDDY_SHARED_DATA or the machine's /work/shared.
const ratings =
  [process.env.EDDY_SHARED_DATA, join(process.cwd(), '..', 'shared', 'data'), '/work/shared/data']
    .filter((dir): dir is string => Boolean(dir))
    .map((dir) => join(dir, 'ml-latest-small', 'ratings.csv'))
    .find((file) => existsSync(file)) ?? '';
test('MovieLens latest-small: eddy beats the baselines', { timeout: 120_000 }, async (t) => {
  if (ratings === '') return skipOutsideCi(t, 'MovieLens data not found (../shared/data, EDDY_SHARED_DATA)');
  const { readMovieLensRatings } = await import('../../src/eval/readers.ts');
  const events = (await readMovieLensRatings(ratings)).slice(0, 15_000);
  const [pop, ref] = await runPrequential(events, [new GlobalPopularity(), await PipelineRecommender.open()], { k: 10 });
  assert.ok(ref.hr > 2 * pop.hr, `eddy ${ref.hr} vs popularity ${pop.hr}`);
});
