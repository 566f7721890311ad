// Serving reads exploration's pool through an index (src/models/fresh-pool.ts) instead of walking
// every fresh item per request; the index must name the same items the walk finds, in the order
// a pick would show them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Exploration, mulberry32 } from '../../src/models/exploration.ts';

type Op = { kind: 'add'; item: number; at: number } | { kind: 'show' | 'click'; item: number } | { kind: 'prune'; now: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), item: fc.integer({ min: 0, max: 30 }), at: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constantFrom('show' as const, 'click' as const), item: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant('prune' as const), now: fc.integer({ min: 0, max: 120 }) }),
);

/** What serving read before the index: every fresh item, never-shown ones by publication time (stable). */
function walked(ex: Exploration, now: number): { waiting: string[]; shown: string[] } {
  const fresh = ex.freshItems(now);
  const published = new Map((ex.toJSON().items).map(([id, , , at]) => [id, at === -1 ? -Infinity : at]));
  const waiting = fresh.filter((id) => ex.statsOf(id).impressions === 0).sort((a, b) => published.get(a)! - published.get(b)!);
  return { waiting, shown: fresh.filter((id) => ex.statsOf(id).impressions > 0) };
}

test('the fresh-pool index names the items a walk over every fresh item finds, longest-waiting first', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 0, max: 120 }), fc.boolean(), (ops, now, restore) => {
      let ex = new Exploration({ minImpressions: 3, maxAgeMs: 60, onlyKnown: true });
      for (const o of ops) {
        if (o.kind === 'add') ex.addItem(`i${o.item}`, o.at);
        else if (o.kind === 'show') ex.recordImpression(`i${o.item}`);
        else if (o.kind === 'click') ex.recordClick(`i${o.item}`);
        else if (o.kind === 'prune') ex.prune(o.now);
      }
      if (restore) ex = Exploration.fromJSON(JSON.parse(JSON.stringify(ex.toJSON())));
      const expected = walked(ex, now);
      const all = () => true;
      assert.deepEqual(ex.waitingFresh(now, 1000, all), expected.waiting);
      assert.deepEqual(ex.waitingFresh(now, 2, all), expected.waiting.slice(0, 2));
      assert.deepEqual(new Set(ex.shownFresh(now, 1000, mulberry32(1), all)), new Set(expected.shown));
      const odd = (id: string) => Number(id.slice(1)) % 2 === 1;
      assert.deepEqual(ex.waitingFresh(now, 1000, odd), expected.waiting.filter(odd));
    }),
    { numRuns: 300 },
  );
});

test('past its bound, the shown pool is a random subset of distinct fresh items', () => {
  const ex = new Exploration({ minImpressions: 100, onlyKnown: true });
  for (let i = 0; i < 500; i++) {
    ex.addItem(`i${i}`, 0);
    ex.recordImpression(`i${i}`);
  }
  const rng = mulberry32(3);
  const a = ex.shownFresh(10, 64, rng, () => true);
  const b = ex.shownFresh(10, 64, rng, () => true);
  assert.ok(a.length > 56 && a.length <= 64, `${a.length} items`);
  assert.equal(new Set(a).size, a.length, 'distinct');
  assert.notDeepEqual(a, b, 'a new subset each time');
  assert.ok(a.every((id) => ex.isFresh(id, 10)));
});
