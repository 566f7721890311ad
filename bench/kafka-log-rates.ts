/**
 * eddy's Kafka Log on a running cluster, measured the way the pipeline uses it:
 * - append: ingest's records (event JSON keyed by user_id), 1000 per `append`, 16 appends in
 *   flight (concurrent HTTP requests), acks=all with the idempotent producer;
 * - exactly-once consume-transform-produce: one group member reads them back (read_committed),
 *   writes one output and one changelog record per input and commits outputs, state and offsets in
 *   one Kafka transaction per poll, as the stream task does.
 */
import type { KafkaLog } from '../src/log/kafka/kafka-log.ts';
import type { AppendRecord, LogRecord, PartitionOffset, StateWrite } from '../src/log/types.ts';

export interface LogRates {
  readonly appendPerSec: number;
  readonly eosPerSec: number;
  readonly commits: number;
  readonly commitMsMean: number;
}

function nextOffsets(records: readonly LogRecord[]): PartitionOffset[] {
  const last = new Map<string, PartitionOffset>();
  for (const r of records) last.set(`${r.topic}/${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  return [...last.values()];
}

export async function kafkaLogRates(log: KafkaLog, input: string, output: string, records: readonly AppendRecord[], group: string): Promise<LogRates> {
  let t0 = performance.now();
  let next = 0;
  const appender = async () => {
    while (next < records.length) {
      const start = next;
      next = Math.min(records.length, next + 1000);
      await log.append(records.slice(start, next));
    }
  };
  await Promise.all(Array.from({ length: 16 }, appender));
  const appendPerSec = records.length / ((performance.now() - t0) / 1000);

  const consumer = await log.subscribe({ group, topics: [input], memberId: group });
  try {
    let done = 0;
    let commits = 0;
    let commitMs = 0;
    t0 = performance.now();
    const deadline = Date.now() + 600_000;
    while (done < records.length) {
      if (Date.now() > deadline) throw new Error(`consume-transform-produce read ${done} of ${records.length} records in 10 min`);
      const batch = await consumer.poll(2000, 1000);
      if (batch.length === 0) continue;
      const outputs: AppendRecord[] = [];
      const state = new Map<string, StateWrite>();
      for (const r of batch) {
        outputs.push({ topic: output, key: r.key, value: r.value.subarray(0, 64) });
        state.set(r.key, { store: 'bench', partition: r.partition, key: r.key, value: Buffer.from(String(r.offset)) });
      }
      const c0 = performance.now();
      await consumer.commit({ offsets: nextOffsets(batch), outputs, state: [...state.values()] });
      commitMs += performance.now() - c0;
      commits++;
      done += batch.length;
    }
    const eosPerSec = done / ((performance.now() - t0) / 1000);
    return { appendPerSec, eosPerSec, commits, commitMsMean: commitMs / Math.max(1, commits) };
  } finally {
    await consumer.close();
  }
}
