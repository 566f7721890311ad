import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, sampleItem, chanceTasteShare, DEFAULT_CATEGORIES } from '../../src/sim/world.ts';
import { Rng } from '../../src/sim/random.ts';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');

test('the same seed gives the same world, another seed a different one', () => {
  const a = createWorld({ users: 50, items: 400, seed: 7, now: NOW });
  const b = createWorld({ users: 50, items: 400, seed: 7, now: NOW });
  const c = createWorld({ users: 50, items: 400, seed: 8, now: NOW });
  assert.deepEqual(a.items, b.items);
  assert.deepEqual(a.users, b.users);
  assert.notDeepEqual(
    a.users.map((u) => u.tastes),
    c.users.map((u) => u.tastes),
  );
});

test('items cover the default categories, published within the past week', () => {
  const world = createWorld({ users: 10, items: 800, seed: 1, now: NOW });
  assert.deepEqual([...world.categories], [...DEFAULT_CATEGORIES]);
  assert.equal(new Set(world.items.map((i) => i.content_id)).size, 800);
  for (const item of world.items) {
    assert.ok(world.categories.includes(item.category), item.category);
    assert.ok(item.tags.length >= 1 && item.title.length > 0);
    const age = NOW - Date.parse(item.published_at);
    assert.ok(age >= 0 && age <= 7 * 24 * 3600 * 1000, `published_at ${item.published_at}`);
  }
});

test('users have one or two taste categories with weights summing to 1', () => {
  const world = createWorld({ users: 200, items: 800, seed: 3, now: NOW });
  const sizes = new Set<number>();
  for (const user of world.users) {
    sizes.add(user.tastes.length);
    assert.ok(user.tastes.length === 1 || user.tastes.length === 2);
    assert.equal(new Set(user.tastes.map((t) => t.category)).size, user.tastes.length);
    const sum = user.tastes.reduce((s, t) => s + t.weight, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9);
    const share = chanceTasteShare(world, user);
    assert.ok(Math.abs(share - user.tastes.length / 8) < 1e-9);
  }
  assert.deepEqual([...sizes].sort(), [1, 2]);
});

test('popularity within a category is Zipf-skewed: the head item far above the median', () => {
  const world = createWorld({ users: 1, items: 800, seed: 5, now: NOW });
  const rng = new Rng(99);
  const counts = new Map<string, number>();
  for (let i = 0; i < 50_000; i++) {
    const item = sampleItem(world, 'tech', rng);
    assert.ok(item !== undefined && item.category === 'tech');
    counts.set(item.content_id, (counts.get(item.content_id) ?? 0) + 1);
  }
  const list = world.byCategory.get('tech') ?? [];
  const sorted = list.map((it) => counts.get(it.content_id) ?? 0).sort((a, b) => b - a);
  const median = sorted[Math.floor(sorted.length / 2)];
  assert.equal(sorted[0], counts.get(list[0].content_id), 'rank 0 is the most popular item');
  assert.ok(sorted[0] > 20 * Math.max(1, median), `top ${sorted[0]} vs median ${median}`);
});
