import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricAccumulator } from '../../src/eval/metrics.ts';

test('HR, NDCG, MRR and coverage on a hand-computed example', () => {
  const m = new MetricAccumulator(3);
  for (const id of ['a', 'b', 'c', 'd', 'e']) m.seeItem(id);
  assert.equal(m.record(['a', 'b', 'c'], 'a'), 0); // rank 0: ndcg 1, rr 1
  assert.equal(m.record(['b', 'c', 'a'], 'a'), 2); // rank 2: ndcg 1/log2(4) = 0.5, rr 1/3
  assert.equal(m.record(['b', 'c', 'a', 'd'], 'd'), -1); // beyond K: a miss
  assert.equal(m.record([], 'e'), -1);
  const s = m.summary();
  assert.equal(s.count, 4);
  assert.equal(s.hr, 2 / 4);
  assert.equal(s.ndcg, (1 + 0.5) / 4);
  assert.ok(Math.abs(s.mrr - (1 + 1 / 3) / 4) < 1e-12);
  assert.equal(s.coverage, 3 / 5, 'a, b, c recommended in the top 3; d only at rank 4');
});
