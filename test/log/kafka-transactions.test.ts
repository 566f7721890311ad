// Transactions on a real Kafka: what an aborted or abandoned transaction wrote never reaches a
// read_committed reader, and a restarted member fences its zombie.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Producer } from '@platformatic/kafka';
import { openKafkaLog, type KafkaLog } from '../../src/log/kafka/kafka-log.ts';
import type { Consumer } from '../../src/log/types.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { pollUntil } from './contract.ts';
import { skipOutsideCi } from '../support/skip.ts';

let kafka: TestKafka | null = null;
before(async () => {
  kafka = await withKafka({ brokers: 1 });
}, { timeout: 240_000 });
after(() => kafka?.stop());

const run = Date.now().toString(36);
const keys = (records: { key: string }[]) => records.map((r) => r.key).sort();

async function reader(log: KafkaLog, topic: string): Promise<Consumer> {
  return log.subscribe({ group: `reader-${topic}`, topics: [topic] });
}

test('aborted transactions of one producer stay invisible to read_committed readers', { timeout: 120_000 }, async (t) => {
  if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
  const log = await openKafkaLog({ brokers: kafka.bootstrap });
  const topic = `txn-abort-${run}`;
  await log.ensureTopics([{ name: topic, partitions: 1 }]);
  const producer = new Producer({ clientId: 'txn-test', bootstrapBrokers: kafka.bootstrap.split(','), idempotent: true, transactionalId: `txn-test-${run}` });
  try {
    // Two aborted transactions of the same producer, then a committed one: all in one fetch.
    for (const [label, commit] of [['aborted-1', false], ['aborted-2', false], ['committed', true]] as const) {
      const txn = await producer.beginTransaction();
      await txn.send({ messages: [0, 1, 2].map((i) => ({ topic, key: Buffer.from(`${label}-${i}`), value: Buffer.from(label) })) });
      if (commit) await txn.commit();
      else await txn.abort();
    }
    const c = await reader(log, topic);
    const got = await pollUntil(c, 3, 10_000);
    assert.deepEqual(keys(got), ['committed-0', 'committed-1', 'committed-2']);
    assert.deepEqual(await c.poll(100, 500), []);
    // The log ends with a commit marker after the last visible record: committing past the
    // last record leaves nothing to read, so the lag is 0.
    await c.commit({ offsets: [{ topic, partition: 0, offset: got[got.length - 1].offset + 1 }], outputs: [], state: [] });
    const [lag] = await c.lag();
    assert.equal(lag.end, 12, '9 records and 3 markers');
    assert.equal(lag.lag, 0);
    await c.close();
  } finally {
    await producer.close();
    await log.close();
  }
});

test('committed transactions between two aborts of one producer id are all read, in order (the client\'s own filter drops them)', { timeout: 120_000 }, async (t) => {
  if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
  const log = await openKafkaLog({ brokers: kafka.bootstrap });
  const topic = `txn-interleaved-${run}`;
  await log.ensureTopics([{ name: topic, partitions: 1 }]);
  const producer = new Producer({ clientId: 'txn-test', bootstrapBrokers: kafka.bootstrap.split(','), idempotent: true, transactionalId: `txn-interleaved-${run}` });
  try {
    const plan = [['a1', false], ['c1', true], ['a2', false], ['c2', true], ['a3', false], ['c3', true]] as const;
    for (const [label, commit] of plan) {
      const txn = await producer.beginTransaction();
      await txn.send({ messages: [0, 1].map((i) => ({ topic, key: Buffer.from(`${label}-${i}`), value: Buffer.from(label) })) });
      if (commit) await txn.commit();
      else await txn.abort();
    }
    const c = await reader(log, topic);
    const got = await pollUntil(c, 6, 10_000);
    assert.deepEqual(got.map((r) => r.key), ['c1-0', 'c1-1', 'c2-0', 'c2-1', 'c3-0', 'c3-1'], 'every committed record once, in offset order');
    assert.deepEqual(await c.poll(100, 500), []);
    await c.close();
  } finally {
    await producer.close();
    await log.close();
  }
});

test('an open transaction holds back what follows it until its marker; then both are read in order', { timeout: 120_000 }, async (t) => {
  if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
  const log = await openKafkaLog({ brokers: kafka.bootstrap });
  const topic = `txn-open-${run}`;
  await log.ensureTopics([{ name: topic, partitions: 1 }]);
  const producer = new Producer({ clientId: 'txn-test', bootstrapBrokers: kafka.bootstrap.split(','), idempotent: true, transactionalId: `txn-open-${run}` });
  try {
    const txn = await producer.beginTransaction();
    await txn.send({ messages: [{ topic, partition: 0, key: Buffer.from('in-txn'), value: Buffer.from('x') }] });
    await log.append([{ topic, key: 'after', value: Buffer.from('y') }]);
    const c = await reader(log, topic);
    assert.deepEqual(await c.poll(100, 1500), [], 'nothing past an undecided transaction is visible');
    const [lag] = await c.lag();
    assert.equal(lag.offset, 0, 'a commit now would resume at the open transaction');
    await txn.commit();
    const got = await pollUntil(c, 2, 10_000);
    assert.deepEqual(got.map((r) => r.key), ['in-txn', 'after']);
    await c.close();
  } finally {
    await producer.close();
    await log.close();
  }
});

test('a member killed mid-transaction leaves no visible outputs; its restart fences it', { timeout: 120_000 }, async (t) => {
  if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
  const log = await openKafkaLog({ brokers: kafka.bootstrap, heartbeatIntervalMs: 300, sessionTimeoutMs: 6000 });
  const input = `txn-in-${run}`;
  const output = `txn-out-${run}`;
  const group = `txn-group-${run}`;
  await log.ensureTopics([{ name: input, partitions: 1 }, { name: output, partitions: 2 }]);
  // The child uses the transactional id of member "m1" of the group: `<group>-<memberId>`.
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/open-transaction.ts', import.meta.url)), kafka.bootstrap, `${group}-m1`, output, '5'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    child.kill('SIGKILL');
    const out = await reader(log, output);
    assert.deepEqual(await out.poll(100, 1500), [], 'an open transaction is not visible');

    // The member restarts with the same id: InitProducerId fences the zombie and aborts its transaction.
    await log.append([{ topic: input, key: 'e1', value: Buffer.from('event') }]);
    const member = await log.subscribe({ group, topics: [input], memberId: 'm1' });
    const batch = await pollUntil(member, 1);
    await member.commit({
      offsets: [{ topic: input, partition: 0, offset: batch[0].offset + 1 }],
      outputs: [{ topic: output, key: 'real-output', value: Buffer.from('committed') }],
      state: [],
    });
    const visible = await pollUntil(out, 1, 15_000);
    assert.deepEqual(keys(visible), ['real-output']);
    assert.deepEqual(await out.poll(100, 500), [], 'the zombie records never show up');
    await member.close();
    await out.close();
  } finally {
    child.kill('SIGKILL');
    await log.close();
  }
});
