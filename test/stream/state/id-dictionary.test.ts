import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DICTIONARY_CHUNK, Dictionaries, dictionaryChunkCodec, IdDictionary } from '../../../src/stream/state/id-dictionary.ts';

test('interns in order, commits only the chunk that grew, and a reader extends its copy chunk by chunk', () => {
  const d = new IdDictionary(2);
  for (let i = 0; i < DICTIONARY_CHUNK + 5; i++) assert.equal(d.intern(`id${i}`), i);
  assert.equal(d.intern('id3'), 3, 'known names keep their number');
  assert.deepEqual(d.takeChangedChunks().map(([c, names]) => [c, names.length]), [[0, DICTIONARY_CHUNK], [1, 5]]);
  d.intern('new');
  assert.deepEqual(d.takeChangedChunks().map(([c, names]) => [c, names.length]), [[1, 6]], 'only the last chunk');

  const reader = new IdDictionary(2);
  const [first, second] = d.chunkArrays().map((names) => dictionaryChunkCodec.decode(dictionaryChunkCodec.encode(names)));
  assert.equal(reader.extend(1, second), false, 'not before chunk 0');
  assert.equal(reader.extend(0, first), true);
  assert.equal(reader.extend(1, second), true);
  assert.equal(reader.name(DICTIONARY_CHUNK + 5), 'new');
  assert.equal(reader.lookup('id7'), 7);
});

test('reconcile loads restored chunks into the same dictionary objects, and keeps ones it holds', () => {
  const live = new Dictionaries();
  live.of(0).intern('a');
  live.of(0).intern('b');
  const restored = new Dictionaries();
  const held = restored.of(0);
  restored.reconcile([0], [['0:0', ['a', 'b']]]);
  assert.equal(restored.of(0), held);
  assert.equal(held.name(1), 'b');
  const chunks = held.chunkArrays();
  restored.reconcile([0], [['0:0', chunks[0]]]);
  assert.equal(held.chunkArrays()[0], chunks[0], 'the same chunk: kept as is');
  assert.throws(() => new IdDictionary(0).load(new Map([[1, ['x']]])), /chunk 0 of 1 missing/);
});
