/**
 * Kafka's own performance tools, `org.apache.kafka.tools.ProducerPerformance` and
 * `ConsumerPerformance`, run from the jars scripts/kafka caches: the raw rate this machine and
 * broker allow, which eddy's Kafka figures are reported against as a ratio.
 */
import { runJavaTool } from '../scripts/kafka/cluster.js';

export interface ToolRun {
  readonly recordsPerSec: number;
  /** The tool's own summary line, for the log. */
  readonly line: string;
}

// Benchmarks need the optimizing compiler (no quickStart) and room for the producer's buffer.
const JAVA = { heap: '512m', timeoutMs: 300_000 } as const;

/**
 * Sends `records` records of `recordSize` bytes as fast as possible (acks=all, idempotent, the
 * Java defaults otherwise: linger.ms 5, batch.size 16 KiB) and reports records/s as the tool
 * measures it (from its first send to the last acknowledgement; JVM start not included).
 */
export async function producerPerformance(bootstrap: string, topic: string, records: number, recordSize: number): Promise<ToolRun> {
  const r = await runJavaTool(
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--topic', topic,
      '--num-records', String(records),
      '--record-size', String(recordSize),
      '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', 'enable.idempotence=true',
    ],
    JAVA,
  );
  // Last line: "200000 records sent, 53205.6 records/sec (10.15 MB/sec), 333.67 ms avg latency, ..."
  const line = r.stdout.trim().split('\n').filter((l) => l.includes('records sent')).pop() ?? '';
  const m = /records sent, ([\d.]+) records\/sec/.exec(line);
  if (r.code !== 0 || !m) throw new Error(`ProducerPerformance failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return { recordsPerSec: Number(m[1]), line };
}

/**
 * Reads `records` records of `topic` in a new consumer group and reports the fetch rate: records/s
 * excluding the group join (`fetch.nMsg.sec`), the same span eddy's consume figure times.
 */
export async function consumerPerformance(bootstrap: string, topic: string, records: number): Promise<ToolRun> {
  const r = await runJavaTool(
    'org.apache.kafka.tools.ConsumerPerformance',
    ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--group', `perf-${topic}`, '--hide-header', '--timeout', '60000'],
    JAVA,
  );
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = r.stdout.trim().split('\n').filter((l) => l.split(', ').length >= 10).pop() ?? '';
  const cols = line.split(', ');
  const consumed = Number(cols[4]);
  const fetchRate = Number(cols[9]);
  if (r.code !== 0 || !(consumed >= records) || !Number.isFinite(fetchRate)) {
    throw new Error(`ConsumerPerformance failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  }
  return { recordsPerSec: fetchRate, line };
}
