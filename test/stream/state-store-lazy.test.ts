// A replica's store loads committed entries encoded and decodes each when first read: reads,
// sizes, iteration, snapshots and partition drops answer exactly as for entries restored decoded.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KeyValueStore } from '../../src/stream/state-store.ts';

const enc = (v: unknown) => Buffer.from(JSON.stringify(v));

it('entries loaded encoded read, iterate, snapshot and drop like decoded ones', () => {
  const lazy = new KeyValueStore<{ n: number }>('s');
  const eager = new KeyValueStore<{ n: number }>('s');
  for (let i = 0; i < 6; i++) {
    lazy.loadEncoded(`k${i}`, i % 2, enc({ n: i }));
    eager.restoreEntry(`k${i}`, i % 2, enc({ n: i }));
  }
  assert.equal(lazy.size, 6);
  assert.ok(lazy.has('k3') && !lazy.has('k9'));
  assert.deepEqual(lazy.get('k2'), { n: 2 });
  assert.equal(lazy.get('k9'), undefined);
  // A put wins over the loaded bytes, also when everything is decoded for iteration.
  lazy.put('k4', 0, { n: 40 });
  eager.put('k4', 0, { n: 40 });
  assert.deepEqual(lazy.drainWrites().writes.map((w) => w.key), ['k4'], 'only the put is a change to commit');
  assert.deepEqual(lazy.snapshot().map((w) => `${w.key}/${w.partition}=${w.value}`).sort(), eager.snapshot().map((w) => `${w.key}/${w.partition}=${w.value}`).sort());
  assert.deepEqual(new Map(lazy.entries()), new Map(eager.entries()));
  lazy.loadEncoded('k5', 1, enc({ n: 50 }));
  lazy.forget('k1');
  lazy.dropPartitions(new Set([0]));
  assert.deepEqual([...lazy.entries()].sort(), [['k3', { n: 3 }], ['k5', { n: 50 }]]);
});
