import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdDictionary } from '../../../src/stream/state/id-dictionary.ts';
import { MembershipSet } from '../../../src/stream/state/membership-set.ts';
import { roundTrip } from './roundtrip.ts';

test('holds members once, drops the oldest past its cap, and commits as a few bytes per member', () => {
  const dictionary = new IdDictionary(3);
  const set = new MembershipSet(dictionary, 3);
  assert.equal(set.add('a'), true);
  assert.equal(set.add('a'), false, 'once');
  set.add('b');
  set.add('c');
  set.add('d');
  assert.deepEqual([...set], ['b', 'c', 'd'], 'a left');
  assert.equal(set.has('a'), false);
  assert.equal(set.has('d'), true);
  assert.equal(set.has('never'), false);
  const { copy, bytes } = roundTrip(set, (r) => MembershipSet.decode(r, dictionary));
  assert.deepEqual([...copy], ['b', 'c', 'd']);
  assert.ok(bytes <= 6, `${bytes} bytes`);
  assert.ok(set.sizeBytes() > 0);
});

test('a thousand members: membership by interned id, encoded in well under the ids as text', () => {
  const dictionary = new IdDictionary(0);
  const set = new MembershipSet(dictionary, 1000);
  for (let i = 0; i < 1500; i++) set.add(`content-${i}`);
  assert.equal(set.size, 1000);
  assert.equal(set.has('content-499'), false);
  assert.equal(set.has('content-500'), true);
  const { bytes } = roundTrip(set, (r) => MembershipSet.decode(r, dictionary));
  assert.ok(bytes < 3000, `${bytes} bytes (the ids as JSON: ~${JSON.stringify([...set]).length})`);
});
