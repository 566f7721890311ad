import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openEmbeddedLog } from '../../src/log/embedded/embedded-log.ts';

const record = (id: string) => ({ topic: 't', key: 'k', value: Buffer.from(id), dedupKey: id });

test('an event_id is a duplicate within the horizon, and accepted again after it', async () => {
  let now = 1_000_000;
  const log = openEmbeddedLog({ dataDir: ':memory:', dedupHorizonMs: 60_000, now: () => now });
  await log.ensureTopics([{ name: 't', partitions: 3 }]);
  assert.deepEqual((await log.append([record('a'), record('b')])).duplicate, [false, false]);
  now += 59_000;
  log.maintain();
  assert.deepEqual((await log.append([record('a'), record('c')])).duplicate, [true, false]);
  now += 2_000; // 'a' was first seen 61 s ago: past the horizon
  log.maintain();
  assert.deepEqual((await log.append([record('a')])).duplicate, [false]);
  const ends = await log.endOffsets('t');
  assert.equal(ends.reduce((a, b) => a + b, 0), 4, 'duplicates are not appended');
  await log.close();
});

test('a duplicate inside one batch is caught too', async () => {
  const log = openEmbeddedLog({ dataDir: ':memory:' });
  await log.ensureTopics([{ name: 't', partitions: 1 }]);
  assert.deepEqual((await log.append([record('x'), record('x')])).duplicate, [false, true]);
  await log.close();
});
