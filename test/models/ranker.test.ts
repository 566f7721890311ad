import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnlineRanker, type CandidateSignals } from '../../src/models/ranker.ts';
import { mulberry32 } from '../../src/models/exploration.ts';

test('the online ranker learns which signal predicts the taken item', () => {
  const r = new OnlineRanker();
  const rng = mulberry32(4);
  const make = (): CandidateSignals[] =>
    Array.from({ length: 20 }, (_, j) => ({ blendRank: j, covis: rng(), trend: rng(), emb: rng(), affinity: 0, popularity: 10, historyLength: 50 }));
  for (let step = 0; step < 3000; step++) {
    const list = make();
    // the taken item is the one with the highest embedding score, whatever its blend rank
    let taken = 0;
    list.forEach((s, j) => {
      if (s.emb > list[taken].emb) taken = j;
    });
    r.train(list.map((s) => r.features(s)), taken);
  }
  const hi = r.score(r.features({ blendRank: 10, covis: 0.5, trend: 0.5, emb: 0.99, affinity: 0, popularity: 10, historyLength: 50 }));
  const lo = r.score(r.features({ blendRank: 0, covis: 0.5, trend: 0.5, emb: 0.1, affinity: 0, popularity: 10, historyLength: 50 }));
  assert.ok(hi > lo + 1, `${hi} vs ${lo}`);
  // the weights themselves moved toward the predictive signal: high embedding levels up, low down
  assert.ok(r.weightOf('emb', 9) > 0 && r.weightOf('emb', 0) < 0, `emb=9 ${r.weightOf('emb', 9)}, emb=0 ${r.weightOf('emb', 0)}`);
  assert.ok(r.weightOf('emb', 9) > Math.abs(r.weightOf('covis', 9)), 'the non-predictive covis level learned less');
});
