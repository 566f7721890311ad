// read_committed decided from transaction markers: batches as a broker returns them read_uncommitted,
// including the sequence a shared transactional id leaves (one producer id, epoch after epoch,
// aborts and commits interleaved) that @platformatic/kafka's own filter gets wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordsBatch } from '@platformatic/kafka';
import { MarkerResolver } from '../../src/log/kafka/records.ts';

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

function data(offset: number, pid: bigint, keys: string[], transactional = true): RecordsBatch {
  return {
    firstOffset: BigInt(offset),
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes: transactional ? TRANSACTIONAL : 0,
    lastOffsetDelta: keys.length - 1,
    firstTimestamp: 1000n,
    maxTimestamp: 1000n,
    producerId: pid,
    producerEpoch: 0,
    firstSequence: 0,
    records: keys.map((key, i) => ({
      length: 0,
      attributes: 0,
      timestampDelta: 0n,
      offsetDelta: i,
      key: Buffer.from(key),
      value: key.startsWith('tomb') ? null : Buffer.from(`v-${key}`),
      headers: [],
    })),
  };
}

function marker(offset: number, pid: bigint, commit: boolean): RecordsBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(commit ? 1 : 0, 2);
  const batch = data(offset, pid, ['marker']);
  return { ...batch, attributes: TRANSACTIONAL | CONTROL, records: [{ ...batch.records[0], key, value: Buffer.alloc(6) }] };
}

function read(batches: RecordsBatch[], from = 0): { keys: string[]; tombstones: string[]; firstUndecided: number | undefined } {
  const resolver = new MarkerResolver('t', 0);
  const keys: string[] = [];
  const tombstones: string[] = [];
  for (const b of batches)
    resolver.add(b, from, (r, tombstone) => {
      keys.push(`${r.key}@${r.offset}`);
      if (tombstone) tombstones.push(r.key);
    });
  return { keys, tombstones, firstUndecided: resolver.firstUndecided };
}

test('one producer id, epoch after epoch: each transaction is decided by the marker that follows it', () => {
  // The log a shared transactional id left in a real run: a's n1 aborted by b's fence, b's n1
  // committed, b's next (empty on this partition) aborted by a's fence, a's n1 committed.
  const pid = 45n;
  const { keys } = read([data(0, pid, ['n0']), marker(1, pid, true), data(2, pid, ['n1a']), marker(3, pid, false), data(4, pid, ['n1b']), marker(5, pid, true), marker(6, pid, false), data(7, pid, ['n1c']), marker(8, pid, true)]);
  assert.deepEqual(keys, ['n0@0', 'n1b@4', 'n1c@7']);
});

test('records come out in offset order, each once everything before it is decided', () => {
  const { keys, firstUndecided } = read([data(0, 1n, ['a0']), data(1, 2n, ['b1']), data(2, 3n, ['plain'], false), marker(3, 2n, true), marker(4, 1n, true)]);
  assert.deepEqual(keys, ['a0@0', 'b1@1', 'plain@2']);
  assert.equal(firstUndecided, undefined);
});

test('an undecided transaction holds back what follows it and names where a later read must start', () => {
  const { keys, firstUndecided } = read([data(0, 1n, ['a0']), marker(1, 1n, true), data(2, 2n, ['open']), data(3, 1n, ['later']), marker(4, 1n, true)]);
  assert.deepEqual(keys, ['a0@0']);
  assert.equal(firstUndecided, 2);
});

test('aborted records never come out; tombstones are told from empty values; records before `from` are skipped', () => {
  const { keys, tombstones } = read([data(0, 1n, ['x0', 'x1', 'tomb2']), marker(3, 1n, true), data(4, 2n, ['gone']), marker(5, 2n, false)], 1);
  assert.deepEqual(keys, ['x1@1', 'tomb2@2']);
  assert.deepEqual(tombstones, ['tomb2']);
});
