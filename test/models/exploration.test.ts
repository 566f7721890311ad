import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Exploration, mulberry32, sampleBeta } from '../../src/models/exploration.ts';

test('Beta sampling has the right mean', () => {
  const rng = mulberry32(5);
  let s = 0;
  for (let i = 0; i < 20_000; i++) s += sampleBeta(3, 7, rng);
  assert.ok(Math.abs(s / 20_000 - 0.3) < 0.01);
});

test('a new item gets impressions within a few picks', () => {
  const ex = new Exploration({ share: 0.1, minImpressions: 50 });
  const rng = mulberry32(1);
  const ranked = Array.from({ length: 20 }, (_, i) => `old${i}`);
  // the old items are well explored and poor: 500 impressions, 5 clicks
  for (const id of ranked) {
    for (let i = 0; i < 500; i++) ex.recordImpression(id);
    for (let i = 0; i < 5; i++) ex.recordClick(id);
  }
  ex.addItem('new', 0);
  let picks = 0;
  while (ex.statsOf('new').impressions === 0 && picks < 20) {
    const list = ex.pick(ranked, 10, rng, ['new'], 1000);
    assert.equal(list.length, 10);
    assert.equal(new Set(list).size, 10);
    picks++;
    for (const id of list) ex.recordImpression(id);
  }
  assert.ok(picks <= 3, `first impression after ${picks} picks`);
});

test('exploration keeps to its share and prefers fresh items that get clicks', () => {
  const ex = new Exploration({ share: 0.2, minImpressions: 1000 });
  const rng = mulberry32(2);
  const shown = new Map<string, number>();
  for (let round = 0; round < 300; round++) {
    const list = ex.pick(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], 10, rng, ['good', 'bad'], 0);
    const fresh = list.filter((id) => id === 'good' || id === 'bad');
    assert.ok(fresh.length <= 2);
    assert.equal(list[0] === 'good' || list[0] === 'bad', false, 'the top slot stays with the model');
    for (const id of fresh) {
      shown.set(id, (shown.get(id) ?? 0) + 1);
      ex.recordImpression(id);
      if (id === 'good' && rng() < 0.5) ex.recordClick(id);
      if (id === 'bad' && rng() < 0.02) ex.recordClick(id);
    }
  }
  assert.ok((shown.get('good') ?? 0) > 2 * (shown.get('bad') ?? 0), JSON.stringify([...shown]));
});

test('items stop being fresh after enough impressions and age; state round-trips', () => {
  const ex = new Exploration({ minImpressions: 3, maxAgeMs: 1000 });
  ex.addItem('x', 0);
  assert.ok(ex.isFresh('x', 10));
  for (let i = 0; i < 3; i++) ex.recordImpression('x');
  assert.ok(ex.isFresh('x', 10), 'still young');
  assert.ok(!ex.isFresh('x', 5000));
  const copy = Exploration.fromJSON(JSON.parse(JSON.stringify(ex.toJSON())));
  assert.deepEqual(copy.statsOf('x'), { impressions: 3, clicks: 0 });
  assert.equal(ex.prune(5000), 1);
  assert.ok(!ex.isFresh('x', 5000), 'pruned items stay graduated');
  assert.ok(ex.isFresh('brand-new', 5000));
});
