// A store bounded in decoded values (users at millions) answers every read, iteration, change and
// snapshot exactly as an unbounded one, whatever the order of puts, reads, drains and restores;
// it never holds more decoded values than its bound plus those changed since the last drain.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { KeyValueStore } from '../../src/stream/state-store.ts';

const enc = (v: unknown) => Buffer.from(JSON.stringify(v));
const canonical = (store: KeyValueStore<{ n: number }>) => store.snapshot().map((w) => `${w.key}/${w.partition}=${w.value}`).sort();

type Op = { op: 'put' | 'get' | 'delete' | 'restore'; key: number; n: number } | { op: 'drain' } | { op: 'mutate'; key: number; n: number };

it('a bounded store reads, changes and snapshots like an unbounded one', () => {
  const key = fc.integer({ min: 0, max: 30 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constantFrom('put' as const, 'get' as const, 'delete' as const, 'restore' as const, 'mutate' as const), key, n: fc.integer() }),
    fc.constant({ op: 'drain' as const }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 200 }), (bound, ops) => {
      const bounded = new KeyValueStore<{ n: number }>('s', undefined, { maxDecoded: bound });
      const model = new KeyValueStore<{ n: number }>('s');
      let dirtySinceDrain = new Set<string>();
      for (const o of ops) {
        if (o.op === 'drain') {
          const a = bounded.drainWrites().writes.map((w) => `${w.key}=${w.value}`).sort();
          const b = model.drainWrites().writes.map((w) => `${w.key}=${w.value}`).sort();
          assert.deepEqual(a, b);
          dirtySinceDrain = new Set();
          continue;
        }
        const k = `k${o.key}`;
        const p = o.key % 3;
        if (o.op === 'put') {
          bounded.put(k, p, { n: o.n });
          model.put(k, p, { n: o.n });
          dirtySinceDrain.add(k);
        } else if (o.op === 'mutate') {
          // Read, change in place, put: what the processor does with a user.
          const a = bounded.get(k);
          const b = model.get(k);
          assert.deepEqual(a, b);
          if (a !== undefined && b !== undefined) {
            a.n += o.n;
            b.n += o.n;
            bounded.put(k, p, a);
            model.put(k, p, b);
            dirtySinceDrain.add(k);
          }
        } else if (o.op === 'get') assert.deepEqual(bounded.get(k), model.get(k));
        else if (o.op === 'delete') {
          bounded.delete(k, p);
          model.delete(k, p);
          dirtySinceDrain.add(k);
        } else {
          bounded.restoreEntry(k, p, enc({ n: o.n }));
          model.restoreEntry(k, p, enc({ n: o.n }));
        }
        assert.equal(bounded.size, model.size);
        const decoded = (bounded as unknown as { data: Map<string, unknown> }).data.size;
        assert.ok(decoded <= bound + dirtySinceDrain.size, `${decoded} decoded, bound ${bound}, ${dirtySinceDrain.size} changed`);
      }
      assert.deepEqual(canonical(bounded), canonical(model));
      assert.deepEqual(new Map(bounded.entries()), new Map(model.entries()));
      assert.ok(bounded.meanEncodedBytes() === 0 || bounded.size > 0);
    }),
    { numRuns: 1000 },
  );
});

it('restore decodes nothing, and a scan leaves the hot values in place', () => {
  let decodes = 0;
  const codec = { encode: (v: { n: number }) => enc(v), decode: (b: Buffer) => (decodes++, JSON.parse(b.toString()) as { n: number }) };
  const store = new KeyValueStore<{ n: number }>('users', codec, { maxDecoded: 10 });
  for (let i = 0; i < 1000; i++) store.restoreEntry(`u${i}`, 0, enc({ n: i }));
  assert.equal(decodes, 0, 'restore keeps the bytes');
  assert.deepEqual(store.get('u7'), { n: 7 });
  assert.equal(decodes, 1);
  assert.equal([...store.entries()].length, 1000);
  const data = (store as unknown as { data: Map<string, unknown> }).data;
  assert.deepEqual([...data.keys()], ['u7'], 'the scan decoded for itself only');
  assert.throws(() => new KeyValueStore('x', codec, { maxDecoded: 0 }), /maxDecoded/);
});
