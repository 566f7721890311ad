import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupIndex, dedupChunkCodec } from '../../../src/stream/state/dedup-index.ts';

const config = { horizonMs: 10_000, maxIds: 8, chunkIds: 4 };

test('remembers ids within the horizon and evicts whole chunks by age', () => {
  const index = new DedupIndex(0, config);
  for (let i = 0; i < 4; i++) index.add(`old${i}`, 1000 + i);
  index.add('new0', 5000);
  assert.ok(index.has('old0') && index.has('new0'));
  index.add('new1', 11_004); // the first chunk's newest (1003) is now more than 10 s old
  assert.equal(index.has('old0'), false);
  assert.ok(index.has('new0') && index.has('new1'));
  const { put, deleted } = index.takeChanges();
  assert.deepEqual(deleted, [0]);
  assert.deepEqual(put.map((c) => c.seq), [1]);
});

test('evicts by count past maxIds; a commit writes only the filling chunk; reload restores it exactly', () => {
  const index = new DedupIndex(0, config);
  for (let i = 0; i < 12; i++) index.add(`e${i}`, 1000);
  assert.ok(index.size <= config.maxIds + config.chunkIds);
  assert.equal(index.has('e0'), false, 'the oldest chunk left');
  assert.ok(index.has('e11'));
  index.takeChanges();
  index.add('e12', 1000);
  assert.deepEqual(index.takeChanges().put.map((c) => c.ids.length), [1], 'one chunk, the one filling');
  const copy = new DedupIndex(0, config);
  copy.load(index.chunkList().map((c) => dedupChunkCodec.decode(dedupChunkCodec.encode(c))).reverse());
  for (let i = 0; i < 13; i++) assert.equal(copy.has(`e${i}`), index.has(`e${i}`), `e${i}`);
  copy.add('e13', 1000);
  index.add('e13', 1000);
  assert.deepEqual(copy.chunkList().map((c) => c.seq), index.chunkList().map((c) => c.seq));
});
