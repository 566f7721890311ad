import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdDictionary } from '../../../src/stream/state/id-dictionary.ts';
import { SparseRow } from '../../../src/stream/state/sparse-row.ts';
import { roundTrip } from './roundtrip.ts';

test('adds weights in float32, reads like a Map, and is cut back to its cap strongest past twice the cap', () => {
  const dictionary = new IdDictionary(1);
  const row = new SparseRow(dictionary, 2);
  row.add('a', 0.1);
  row.add('a', 0.2);
  assert.equal(row.get('a'), Math.fround(Math.fround(0.1) + 0.2));
  row.add('b', 5);
  row.add('c', 3);
  assert.equal(row.size, 3);
  assert.equal(row.epoch, 0);
  row.add('d', 4);
  row.add('e', 1);
  assert.deepEqual([...row.keys()], ['b', 'd'], 'the two strongest, strongest first');
  assert.equal(row.epoch, 1);
  assert.ok(row.has('b') && !row.has('a'));
  const seen: [string, number][] = [];
  row.forEach((w, id) => seen.push([id, w]));
  assert.deepEqual(seen, [...row]);
  const { copy } = roundTrip(row, (r) => SparseRow.decode(r, dictionary));
  assert.deepEqual([...copy], [...row]);
  row.scale(0.5);
  assert.equal(row.get('b'), 2.5);
});
