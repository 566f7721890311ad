/**
 * The Log contract: one test suite run against every Log implementation (embedded, Kafka), so the
 * same topology behaves the same on either. Each case opens its own log with `makeLog` and uses
 * topic and group names unique to the run.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { partitionFor } from '../../src/log/partitioner.ts';
import type { Consumer, Log, LogRecord, PartitionOffset, TopicPartition } from '../../src/log/types.ts';

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
let seq = 0;
const unique = (prefix: string) => `${prefix}-${run}-${++seq}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `n` records arrived (or `timeoutMs` passed); returns what arrived. */
export async function pollUntil(consumer: Consumer, n: number, timeoutMs = 20_000): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline) out.push(...(await consumer.poll(n - out.length, Math.min(500, Math.max(1, deadline - Date.now())))));
  return out;
}

/** Offsets to commit after processing `records`: last offset + 1 per partition. */
export function nextOffsets(records: readonly LogRecord[]): PartitionOffset[] {
  const last = new Map<string, PartitionOffset>();
  for (const r of records) last.set(`${r.topic}/${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  return [...last.values()];
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const records = (topic: string, n: number, key = (i: number) => `key-${i}`) =>
  Array.from({ length: n }, (_, i) => ({ topic, key: key(i), value: Buffer.from(`value-${i}`), headers: { i: String(i) } }));

const tpKey = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;

export async function runLogContract(name: string, makeLog: () => Promise<Log>, t: TestContext): Promise<void> {
  const withLog = async (fn: (log: Log) => Promise<void>) => {
    const log = await makeLog();
    try {
      await fn(log);
    } finally {
      await log.close();
    }
  };

  await t.test(`${name}: ensureTopics creates missing topics and is idempotent`, () =>
    withLog(async (log) => {
      const topic = unique('ensure');
      const compacted = unique('ensure-compacted');
      await log.ensureTopics([{ name: topic, partitions: 3 }, { name: compacted, partitions: 2, compacted: true }]);
      await log.ensureTopics([{ name: topic, partitions: 3 }]);
      await log.ensureTopics([{ name: topic, partitions: 7 }]); // existing topics are left as they are
      assert.equal(log.partitionsOf(topic), 3);
      assert.equal(log.partitionsOf(compacted), 2);
      assert.deepEqual(await log.endOffsets(topic), [0, 0, 0]);
    }));

  await t.test(`${name}: a keyed record lands in partitionFor(key, n), with its headers`, () =>
    withLog(async (log) => {
      const topic = unique('keyed');
      await log.ensureTopics([{ name: topic, partitions: 4 }]);
      const sent = records(topic, 40);
      const result = await log.append(sent);
      assert.deepEqual(result.duplicate, sent.map(() => false));
      const ends = await log.endOffsets(topic);
      const expected = [0, 0, 0, 0];
      for (const r of sent) expected[partitionFor(r.key, 4)]++;
      assert.deepEqual(ends, expected);
      const consumer = await log.subscribe({ group: unique('g'), topics: [topic] });
      const got = await pollUntil(consumer, 40);
      assert.equal(got.length, 40);
      for (const r of got) {
        assert.equal(r.partition, partitionFor(r.key, 4), `partition of ${r.key}`);
        assert.equal(r.value.toString(), `value-${r.key.slice(4)}`);
        assert.equal(r.headers.i, r.key.slice(4));
      }
      await consumer.close();
    }));

  await t.test(`${name}: records of one partition come back in offset order`, () =>
    withLog(async (log) => {
      const topic = unique('order');
      await log.ensureTopics([{ name: topic, partitions: 3 }]);
      for (let batch = 0; batch < 5; batch++) {
        await log.append(Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i % 6}`, value: Buffer.from(String(batch * 20 + i)) })));
      }
      const consumer = await log.subscribe({ group: unique('g'), topics: [topic] });
      const got = await pollUntil(consumer, 100);
      assert.equal(got.length, 100);
      const lastOffset = new Map<number, number>();
      const lastSeqOfKey = new Map<string, number>();
      for (const r of got) {
        assert.ok((lastOffset.get(r.partition) ?? -1) < r.offset, `offsets rise in partition ${r.partition}`);
        lastOffset.set(r.partition, r.offset);
        const s = Number(r.value.toString());
        assert.ok((lastSeqOfKey.get(r.key) ?? -1) < s, `appends of key ${r.key} stay in order`);
        lastSeqOfKey.set(r.key, s);
      }
      await consumer.close();
    }));

  await t.test(`${name}: a commit of outputs, state and offsets survives; a new member resumes after it and restores the state`, () =>
    withLog(async (log) => {
      const input = unique('in');
      const output = unique('out');
      const group = unique('g');
      await log.ensureTopics([{ name: input, partitions: 3 }, { name: output, partitions: 2 }]);
      await log.append(records(input, 20));
      const first = await log.subscribe({ group, topics: [input], memberId: 'first' });
      const batch = await pollUntil(first, 20);
      assert.equal(batch.length, 20);
      await first.commit({
        offsets: nextOffsets(batch),
        outputs: batch.map((r) => ({ topic: output, key: r.key, value: Buffer.from(`seen ${r.value}`) })),
        state: [
          ...batch.map((r) => ({ store: 'counts', partition: r.partition, key: r.key, value: Buffer.from('1') })),
          { store: 'counts', partition: partitionFor('key-3', 3), key: 'key-3', value: null },
        ],
      });
      await first.close();

      const restored = new Map<string, string>();
      const assigned: TopicPartition[] = [];
      const second = await log.subscribe({
        group,
        topics: [input],
        memberId: 'second',
        listener: {
          onAssigned: async (tps, consumer) => {
            assigned.push(...tps);
            await consumer.restore('counts', tps.map((tp) => tp.partition), (k, v) => restored.set(k, v.toString()));
          },
        },
      });
      await waitFor('assignment', () => assigned.length === 3);
      assert.equal(restored.size, 19, 'the committed state, without the deleted key');
      assert.equal(restored.get('key-0'), '1');
      assert.equal(restored.has('key-3'), false);
      assert.deepEqual(await second.poll(100, 1000), [], 'nothing is delivered again');
      await log.append(records(input, 5, (i) => `later-${i}`));
      const later = await pollUntil(second, 5);
      assert.deepEqual(later.map((r) => r.key).sort(), ['later-0', 'later-1', 'later-2', 'later-3', 'later-4']);
      assert.deepEqual(await second.poll(100, 300), []);
      await second.close();

      const reader = await log.subscribe({ group: unique('reader'), topics: [output] });
      const outputs = await pollUntil(reader, 20);
      assert.equal(outputs.length, 20);
      assert.deepEqual(await reader.poll(10, 300), []);
      await reader.close();
    }));

  await t.test(`${name}: uncommitted records are delivered again to the next member`, () =>
    withLog(async (log) => {
      const topic = unique('redeliver');
      const group = unique('g');
      await log.ensureTopics([{ name: topic, partitions: 2 }]);
      await log.append(records(topic, 10));
      const first = await log.subscribe({ group, topics: [topic], memberId: 'a' });
      const part1 = await pollUntil(first, 4);
      assert.ok(part1.length >= 4);
      await first.commit({ offsets: nextOffsets(part1), outputs: [], state: [] });
      const rest = await pollUntil(first, 10 - part1.length);
      assert.equal(part1.length + rest.length, 10);
      await first.close(); // without committing `rest`
      const second = await log.subscribe({ group, topics: [topic], memberId: 'b' });
      const again = await pollUntil(second, rest.length);
      assert.deepEqual(again.map((r) => r.key).sort(), rest.map((r) => r.key).sort());
      assert.deepEqual(await second.poll(10, 300), []);
      await second.close();
    }));

  await t.test(`${name}: two members of a group split the partitions and see every record once`, () =>
    withLog(async (log) => {
      const topic = unique('split');
      const group = unique('g');
      await log.ensureTopics([{ name: topic, partitions: 4 }]);
      const a = await log.subscribe({ group, topics: [topic], memberId: 'a' });
      const b = await log.subscribe({ group, topics: [topic], memberId: 'b' });
      const covered = () => {
        const ka = a.assignment().map(tpKey);
        const kb = b.assignment().map(tpKey);
        return ka.length > 0 && kb.length > 0 && ka.length + kb.length === 4 && new Set([...ka, ...kb]).size === 4;
      };
      await waitFor('both members assigned', covered);
      await log.append(records(topic, 60));
      const seen = new Map<string, number>();
      const bySide = { a: 0, b: 0 };
      const work = async (side: 'a' | 'b', consumer: Consumer) => {
        const deadline = Date.now() + 30_000;
        while (seen.size < 60 && Date.now() < deadline) {
          const batch = await consumer.poll(25, 200);
          if (batch.length === 0) continue;
          try {
            await consumer.commit({ offsets: nextOffsets(batch), outputs: [], state: [] });
          } catch (error) {
            if ((error as { retriable?: boolean }).retriable) continue; // a rebalance: redelivered later
            throw error;
          }
          for (const r of batch) seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
          bySide[side] += batch.length;
        }
      };
      await Promise.all([work('a', a), work('b', b)]);
      assert.equal(seen.size, 60);
      assert.ok([...seen.values()].every((n) => n === 1), 'no record committed twice');
      assert.ok(bySide.a > 0 && bySide.b > 0, `both members worked (${bySide.a}/${bySide.b})`);
      await a.close();
      await b.close();
    }));

  await t.test(`${name}: lag counts what is not committed and goes to 0`, () =>
    withLog(async (log) => {
      const topic = unique('lag');
      await log.ensureTopics([{ name: topic, partitions: 3 }]);
      await log.append(records(topic, 12));
      const consumer = await log.subscribe({ group: unique('g'), topics: [topic] });
      const before = await consumer.lag();
      assert.equal(before.length, 3);
      assert.equal(before.reduce((s, l) => s + l.lag, 0), 12);
      const got = await pollUntil(consumer, 12);
      await consumer.commit({ offsets: nextOffsets(got), outputs: [], state: [] });
      const after = await consumer.lag();
      assert.deepEqual(after.map((l) => l.lag), [0, 0, 0]);
      assert.equal(after.reduce((s, l) => s + l.end, 0), 12);
      await consumer.close();
    }));
}
