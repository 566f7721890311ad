import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diversify, Recommender } from '../../src/serving/recommender.ts';
import type { FeatureStore } from '../../src/features/feature-store.ts';
import { emptyItemState } from '../../src/features/item-features.ts';
import { interactionsTotal } from '../../src/features/item/interactions-total.ts';
import { DEFAULT_USER_FEATURES, emptyUserState } from '../../src/features/user-features.ts';
import { IdDictionary } from '../../src/stream/state/id-dictionary.ts';
import { SparseRow } from '../../src/stream/state/sparse-row.ts';
import type { CatalogEntry } from '../../src/features/catalog.ts';

test('diversify caps a category at its share while others qualify', () => {
  const ranked = [...'aaaaaaaaab'].map((c, i) => ({ id: i, category: c })).concat([{ id: 10, category: 'c' }]);
  const out = diversify(ranked, 10, 0.7);
  assert.equal(out.filter((x) => x.category === 'a').length, 8, 'seven, then one more only because b and c ran out');
  assert.equal(out.length, 10);
  assert.deepEqual(out.slice(7).map((x) => x.category), ['b', 'c', 'a']);
});

test('diversify fills with the capped category when nothing else qualifies', () => {
  const ranked = Array.from({ length: 12 }, (_, i) => ({ id: i, category: 'a' }));
  assert.equal(diversify(ranked, 10, 0.7).length, 10);
});

function storeWith(parts: { user?: ReturnType<typeof emptyUserState>; covis?: Record<string, Record<string, number>>; popular: string[]; catalog: Record<string, string> }): FeatureStore {
  const items = new Map<string, ReturnType<typeof emptyItemState>>();
  const rows = new Map<string, SparseRow>();
  const dictionary = new IdDictionary(0);
  for (const [id, row] of Object.entries(parts.covis ?? {})) {
    items.set(id, emptyItemState());
    const sparse = new SparseRow(dictionary, 100);
    for (const [other, w] of Object.entries(row)) sparse.add(other, w);
    rows.set(id, sparse);
  }
  return {
    kind: 'in-process',
    user: async () => parts.user,
    items: async (ids) => ids.map((id) => items.get(id)),
    covis: async (ids) => ids.map((id) => rows.get(id)),
    catalog: async (ids) => ids.map((id): CatalogEntry | undefined => (parts.catalog[id] ? { content_id: id, category: parts.catalog[id], addedAt: 0 } : undefined)),
    popular: async (category, n) =>
      parts.popular.filter((id) => category === undefined || parts.catalog[id] === category).slice(0, n).map((id, i) => ({ id, logScore: -i })),
    categories: async () => [...new Set(Object.values(parts.catalog))],
    streamTime: async () => 1000,
    activeItems: async () => [],
  };
}

test('the blend ranks co-visited neighbours of recent items above merely popular ones, with reasons', async () => {
  const user = emptyUserState(0);
  user.recent.push(['a', 900, 2, 'x']);
  user.seen.add('a');
  user.affinity.add('x', 2, 900);
  const store = storeWith({
    user,
    covis: { a: { b: 5, c: 1 } },
    popular: ['p1', 'p2', 'c', 'b', 'a'],
    catalog: { a: 'x', b: 'x', c: 'y', p1: 'y', p2: 'y' },
  });
  const out = await new Recommender(store, undefined, DEFAULT_USER_FEATURES).recommend({ userId: 'u', k: 4 });
  assert.equal(out[0].content_id, 'b');
  assert.ok(out[0].reasons.includes('co_visitation'));
  assert.ok(!out.some((i) => i.content_id === 'a'), 'a consumed item is never recommended');
  assert.ok(out.every((i, j) => j === 0 || out[j - 1].score >= i.score), 'sorted by score');
});

test('exclude and category filters apply; a cold user gets trending', async () => {
  const store = storeWith({ popular: ['p1', 'p2', 'p3'], catalog: { p1: 'y', p2: 'z', p3: 'y' } });
  const r = new Recommender(store, undefined, DEFAULT_USER_FEATURES);
  const cold = await r.recommend({ userId: 'new', k: 3, exclude: new Set(['p1']) });
  assert.deepEqual(cold.map((i) => i.content_id), ['p2', 'p3']);
  assert.ok(cold.every((i) => i.reasons.includes('trending')));
  const onlyY = await r.recommend({ userId: 'new', k: 3, category: 'y' });
  assert.deepEqual(onlyY.map((i) => i.content_id), ['p1', 'p3']);
});

/** A user who consumed `a`, and a's co-visitation row over `dictionary`. */
function userAndRow(dictionary: IdDictionary, neighbours: Record<string, number>) {
  const user = emptyUserState(0);
  user.recent.push(['a', 900, 2, 'x']);
  user.seen.add('a');
  const row = new SparseRow(dictionary, 100);
  for (const [id, w] of Object.entries(neighbours)) row.add(id, w);
  return { user, row };
}

test('co-visitation reads follow a dictionary that was loaded anew (its integers now name other items)', async () => {
  const dictionary = new IdDictionary(0);
  const { user, row } = userAndRow(dictionary, { b: 5, c: 1 });
  let rows = new Map([['a', row]]);
  const catalog: Record<string, string> = { a: 'x', b: 'x', c: 'x', d: 'x', e: 'x' };
  const store: FeatureStore = {
    ...storeWith({ user, popular: [], catalog }),
    covis: async (ids) => ids.map((id) => rows.get(id)),
  };
  const recommender = new Recommender(store, undefined, DEFAULT_USER_FEATURES);
  assert.deepEqual((await recommender.recommend({ userId: 'u', k: 2 })).map((i) => i.content_id), ['b', 'c']);
  // A rollback: the dictionary is reloaded with other names at the same integers, and the row read anew.
  dictionary.load(new Map([[0, ['e', 'd']]]));
  const reread = new SparseRow(dictionary, 100);
  reread.add('e', 5);
  reread.add('d', 1);
  rows = new Map([['a', reread]]);
  assert.deepEqual((await recommender.recommend({ userId: 'u', k: 2 })).map((i) => i.content_id), ['e', 'd']);
});

test('popularity divisors of candidates are kept while the store says items are unchanged, and read again when they change', async () => {
  const { user, row } = userAndRow(new IdDictionary(0), { b: 5, c: 4 });
  const items = new Map([
    ['a', emptyItemState()],
    ['b', emptyItemState()],
    ['c', emptyItemState()],
  ]);
  // b is seen with everything: its co-visitation weight is divided by total^0.25 = 100.
  (items.get('b')!.of(interactionsTotal) as { value: number }).value = 1e8;
  let version = 1;
  let reads = 0;
  const store: FeatureStore = {
    ...storeWith({ user, popular: [], catalog: { a: 'x', b: 'x', c: 'x' } }),
    covis: async (ids) => ids.map((id) => (id === 'a' ? row : undefined)),
    items: async (ids) => {
      reads += ids.length;
      return ids.map((id) => items.get(id));
    },
    itemsVersion: () => version,
  };
  const recommender = new Recommender(store, undefined, DEFAULT_USER_FEATURES);
  const top = async () => (await recommender.recommend({ userId: 'u', k: 2 })).map((i) => i.content_id);
  assert.deepEqual(await top(), ['c', 'b']);
  const afterFirst = reads;
  assert.deepEqual(await top(), ['c', 'b']);
  assert.ok(reads - afterFirst < afterFirst, `the second request reads fewer items (${reads - afterFirst} after ${afterFirst})`);
  (items.get('b')!.of(interactionsTotal) as { value: number }).value = 1;
  version++;
  assert.deepEqual(await top(), ['b', 'c'], 'a new version reads the totals again');
});
