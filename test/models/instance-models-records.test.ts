// The models' committed records: exploration commits one record per changed item (not the whole
// pool), a replica that loads each commit's records reads what a full restore reads, and state
// committed as one whole exploration record (the format before) is read and rewritten per item.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MODELS, InstanceModels } from '../../src/models/instance-models.ts';

const HOUR = 3600_000;
const config = { ...DEFAULT_MODELS, embeddings: false as const, exploration: { share: 0.1, maxAgeMs: HOUR, minImpressions: 3 } };

/** The store a processor keeps: key -> record, written by writeChanges. */
function commit(models: InstanceModels, store: Map<string, Buffer>, now: number): Map<string, Buffer | null> {
  const changed = new Map<string, Buffer | null>();
  models.writeChanges(
    (key, value) => {
      store.set(key, Buffer.from(value));
      changed.set(key, Buffer.from(value));
    },
    now,
    (key) => {
      store.delete(key);
      changed.set(key, null);
    },
  );
  return changed;
}

/** What serving reads of exploration: counters of every item, and the order fresh items wait in. */
function view(models: InstanceModels, now: number, ids: readonly string[]) {
  const ex = models.exploration;
  return {
    counters: ids.map((id) => [id, ex.has(id), ex.statsOf(id), ex.isFresh(id, now)]),
    waiting: ex.waitingFresh(now, 100, () => true),
    shown: ex.shownFresh(now, 100, () => 0.5, () => true).sort(),
  };
}

test('exploration commits the items that changed, and a replica following commits reads what a restore reads', () => {
  const t0 = 1_000_000_000_000;
  const live = new InstanceModels(config);
  const replica = new InstanceModels(config);
  const store = new Map<string, Buffer>();
  const ids = Array.from({ length: 30 }, (_, i) => `i${i}`);
  // Registered in one order, with ties of publication time: the waiting order must survive.
  for (const [n, id] of ids.entries()) live.addFreshItem(id, t0 + Math.floor(n / 3));
  const first = commit(live, store, t0 + 10);
  assert.equal([...first.keys()].filter((k) => k.startsWith('exp:')).length, 30, 'each registered item once');
  replica.restore([...first].map(([k, v]) => [k, v!]));

  live.recordImpressions({ requestId: 'r1', userId: 'u1', ranked: [], features: [], shown: ['i4', 'i5'] });
  const second = commit(live, store, t0 + 20);
  assert.deepEqual([...second.keys()].filter((k) => k.startsWith('exp:')).sort(), ['exp:i4', 'exp:i5'], 'only what changed');
  replica.restore([...second].map(([k, v]) => [k, v!]));

  // i4 graduates (enough impressions): its record says so.
  for (let r = 0; r < 3; r++) live.recordImpressions({ requestId: `r${r + 2}`, userId: 'u1', ranked: [], features: [], shown: ['i4'] });
  const third = commit(live, store, t0 + 30);
  replica.restore([...third].map(([k, v]) => [k, v!]));
  assert.equal(live.exploration.has('i4'), false);

  const restored = new InstanceModels(config);
  restored.restore([...store]);
  const now = t0 + 40;
  assert.deepEqual(view(replica, now, ids), view(live, now, ids), 'replica = live');
  assert.deepEqual(view(restored, now, ids), view(live, now, ids), 'restore = live');
  assert.equal(view(live, now, ids).waiting[0], 'i0');
});

test('a whole exploration record (the former format) is read, then rewritten as per-item records and dropped', () => {
  const t0 = 1_000_000_000_000;
  const before = new InstanceModels(config);
  for (const id of ['a', 'b', 'c']) before.addFreshItem(id, t0);
  before.recordImpressions({ requestId: 'r', userId: 'u', ranked: [], features: [], shown: ['b'] });
  const whole = Buffer.from(JSON.stringify(before.exploration.toJSON()));
  const store = new Map<string, Buffer>([['exploration', whole]]);

  const after = new InstanceModels(config);
  after.restore([...store]);
  assert.deepEqual(after.exploration.statsOf('b'), { impressions: 1, clicks: 0 });
  const written = commit(after, store, t0 + 1);
  assert.equal(written.get('exploration'), null, 'the whole record is dropped');
  assert.deepEqual([...store.keys()].sort(), ['exp:a', 'exp:b', 'exp:c']);
  const again = new InstanceModels(config);
  again.restore([...store]);
  assert.deepEqual(view(again, t0 + 2, ['a', 'b', 'c']), view(before, t0 + 2, ['a', 'b', 'c']));
});
