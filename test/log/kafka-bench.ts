// Kafka Log throughput on a running cluster (not part of `npm test`):
//   node --import tsx test/log/kafka-bench.ts [bootstrap]   (default: starts/reuses the 1-broker test cluster)
// 1. append: 100k records of 200 bytes, keyed, 1000 per append call, 16 calls in flight.
// 2. consume-transform-produce: one member reads them back (read_committed), writes one output and
//    one changelog record per input and commits outputs + state + offsets in one transaction per
//    poll of up to `BATCH` records.
import { openKafkaLog } from '../../src/log/kafka/kafka-log.ts';
import type { AppendRecord, StateWrite } from '../../src/log/types.ts';
import { withKafka } from '../support/kafka.ts';
import { nextOffsets } from './contract.ts';

const N = Number(process.env.N ?? 100_000);
const BATCH = Number(process.env.BATCH ?? 2000);
const PARTITIONS = 6;
const bootstrap = process.argv[2] ?? (await withKafka({ brokers: 1 }))?.bootstrap;
if (!bootstrap) throw new Error('no Kafka');
const log = await openKafkaLog({ brokers: bootstrap, ...(process.env.RETRY_MS ? { retryBackoffMs: Number(process.env.RETRY_MS) } : {}) });
const run = Date.now().toString(36);
const input = `bench-in-${run}`;
const output = `bench-out-${run}`;
await log.ensureTopics([{ name: input, partitions: PARTITIONS }, { name: output, partitions: PARTITIONS }]);

const payload = Buffer.alloc(200, 'x');
let t0 = performance.now();
let next = 0;
const worker = async () => {
  while (next < N) {
    const start = next;
    next = Math.min(N, next + 1000);
    const batch: AppendRecord[] = [];
    for (let i = start; i < next; i++) batch.push({ topic: input, key: `user-${i % 5000}`, value: payload });
    await log.append(batch);
  }
};
await Promise.all(Array.from({ length: 16 }, worker));
let ms = performance.now() - t0;
console.log(`append: ${N} x 200 B in ${ms.toFixed(0)} ms = ${Math.round((N / ms) * 1000)} records/s (${((N * 200) / 1048576 / (ms / 1000)).toFixed(1)} MiB/s payload)`);

const consumer = await log.subscribe({ group: `bench-${run}`, topics: [input], memberId: 'bench' });
let done = 0;
let commits = 0;
let commitMs = 0;
t0 = performance.now();
while (done < N) {
  const records = await consumer.poll(BATCH, 1000);
  if (records.length === 0) continue;
  const outputs: AppendRecord[] = [];
  const state = new Map<string, StateWrite>();
  for (const r of records) {
    outputs.push({ topic: output, key: r.key, value: r.value.subarray(0, 50) });
    state.set(r.key, { store: 'counts', partition: r.partition, key: r.key, value: Buffer.from(String(r.offset)) });
  }
  const c0 = performance.now();
  await consumer.commit({ offsets: nextOffsets(records), outputs, state: [...state.values()] });
  commitMs += performance.now() - c0;
  commits++;
  done += records.length;
}
ms = performance.now() - t0;
console.log(
  `consume-transform-produce (transactions): ${done} records in ${ms.toFixed(0)} ms = ${Math.round((done / ms) * 1000)} records/s; ${commits} commits, ${(commitMs / commits).toFixed(1)} ms per commit, ${Math.round(done / commits)} records per commit`,
);
const lag = await consumer.lag();
console.log(`lag after: ${lag.reduce((s, l) => s + l.lag, 0)}`);
await consumer.close();
await log.close();
process.exit(0);
