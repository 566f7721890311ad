/**
 * The Kafka-mode figure of `npm run bench`: a 1-broker KRaft cluster from scripts/kafka on this
 * machine, and on it
 *  (a) eddy's Kafka Log: append rate and exactly-once consume-transform-produce rate;
 *  (b) Kafka's own ProducerPerformance / ConsumerPerformance with the same record count and size,
 *      and eddy's rates as a ratio of theirs (the tools are the ceiling a client can reach here);
 *  (c) the pipeline through Kafka (`startKafkaInstance`): events/s ingested and processed with
 *      exactly-once, and freshness p50/p99 (POST answered -> visible in GET /v1/recommendations).
 * Every figure is the median of `runs` runs; each run uses new topics.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, toolsAvailable, type KafkaCluster } from '../scripts/kafka/cluster.js';
import { openKafkaLog } from '../src/log/kafka/kafka-log.ts';
import type { AppendRecord } from '../src/log/types.ts';
import { kafkaLogRates, type LogRates } from './kafka-log-rates.ts';
import { benchRedis, kafkaPipelineRun, type KafkaPipelineRun } from './kafka-pipeline.ts';
import { consumerPerformance, producerPerformance } from './kafka-tools.ts';
import { median, round } from './stats.ts';
import { syntheticEvents } from './synthetic-events.ts';

export interface KafkaBenchOptions {
  readonly records: number;
  /** Events per pipeline run, and freshness trials per run. */
  readonly pipelineEvents: number;
  readonly freshnessTrials: number;
  readonly runs: number;
  readonly log: (line: string) => void;
}

/** Not the test clusters' port bases (19092, 19292): a bench never fights a running test for ports. */
const PORT_BASE = Number(process.env.EDDY_BENCH_KAFKA_PORT_BASE ?? 19692);
const PARTITIONS = 12;

/** The records ingest would append for `count` synthetic events: event JSON keyed by user_id. */
function ingestRecords(count: number, topic: string): AppendRecord[] {
  const now = Date.now();
  return syntheticEvents(count, { prefix: `k${now}` }).map((e) => ({
    topic,
    key: e.user_id,
    value: Buffer.from(JSON.stringify({ ...e, ingested_at: now })),
  }));
}

export async function kafkaBench(options: KafkaBenchOptions): Promise<Record<string, unknown>> {
  const { records, runs, log } = options;
  const tools = toolsAvailable();
  if (!tools.ok) {
    log(`kafka: skipped (${tools.reason})`);
    return { skipped: tools.reason };
  }
  log(`kafka: starting a 1-broker cluster on 127.0.0.1:${PORT_BASE}`);
  const cluster: KafkaCluster = await startCluster({
    brokers: 1,
    portBase: PORT_BASE,
    dir: join(tmpdir(), `eddy-kafka-bench-${PORT_BASE}`),
    log: (m) => log(`  [kafka] ${m}`),
  });
  const bootstrap = cluster.bootstrapServers;
  const kafkaLog = await openKafkaLog({ brokers: bootstrap });
  try {
    const sample = ingestRecords(records, 'unused');
    const recordSize = Math.round(sample.reduce((n, r) => n + r.value.length, 0) / sample.length);
    log(`kafka: ${runs} run(s) of ${records} records of ~${recordSize} B (eddy's event JSON), ${PARTITIONS} partitions`);
    const eddy: LogRates[] = [];
    const producer: number[] = [];
    const consumer: number[] = [];
    for (let r = 0; r < runs; r++) {
      const id = `${Date.now().toString(36)}-${r}`;
      const topics = { input: `bench-in-${id}`, output: `bench-out-${id}`, perf: `bench-perf-${id}` };
      await kafkaLog.ensureTopics(Object.values(topics).map((name) => ({ name, partitions: PARTITIONS })));
      const rates = await kafkaLogRates(kafkaLog, topics.input, topics.output, sample.map((s) => ({ ...s, topic: topics.input })), `bench-${id}`);
      eddy.push(rates);
      const pp = await producerPerformance(bootstrap, topics.perf, records, recordSize);
      producer.push(pp.recordsPerSec);
      const cp = await consumerPerformance(bootstrap, topics.perf, records);
      consumer.push(cp.recordsPerSec);
      log(
        `  run ${r + 1}: eddy append ${Math.round(rates.appendPerSec)}/s, exactly-once consume-transform-produce ${Math.round(rates.eosPerSec)}/s ` +
          `(${rates.commits} transactions, ${rates.commitMsMean.toFixed(1)} ms each); ` +
          `ProducerPerformance ${Math.round(pp.recordsPerSec)}/s, ConsumerPerformance ${Math.round(cp.recordsPerSec)}/s`,
      );
    }
    const pipeline = await pipelineFigures(bootstrap, options);
    const append = median(eddy.map((e) => e.appendPerSec));
    const eos = median(eddy.map((e) => e.eosPerSec));
    const pp = median(producer);
    const cp = median(consumer);
    return {
      records,
      record_bytes: recordSize,
      partitions: PARTITIONS,
      runs,
      append_events_per_sec: Math.round(append),
      eos_events_per_sec: Math.round(eos),
      producer_perf_records_per_sec: Math.round(pp),
      consumer_perf_records_per_sec: Math.round(cp),
      append_ratio_to_producer_perf: round(append / pp, 3),
      eos_ratio_to_producer_perf: round(eos / pp, 3),
      eos_ratio_to_consumer_perf: round(eos / cp, 3),
      ...pipeline,
      ...(typeof pipeline.pipeline_events_per_sec === 'number' && { pipeline_ratio_to_producer_perf: round(pipeline.pipeline_events_per_sec / pp, 3) }),
    };
  } finally {
    await kafkaLog.close();
    if (!cluster.alreadyRunning) await cluster.stop({ graceMs: 10_000 });
  }
}

/** (c): the pipeline on Kafka + Redis, medians of `runs` runs; `{}` when no Redis answers. */
async function pipelineFigures(bootstrap: string, options: KafkaBenchOptions): Promise<Record<string, unknown>> {
  const { runs, log, pipelineEvents, freshnessTrials } = options;
  const redisUrl = await benchRedis();
  if (redisUrl === undefined) {
    log('kafka: pipeline figures skipped (no Redis answers; set EDDY_BENCH_REDIS_URL)');
    return { pipeline_skipped: 'no Redis' };
  }
  log(`kafka: pipeline on Kafka + Redis (startKafkaInstance, role all): ${runs} run(s) of ${pipelineEvents} events, then ${freshnessTrials} freshness trials`);
  const done: KafkaPipelineRun[] = [];
  for (let r = 0; r < runs; r++) {
    const p = await kafkaPipelineRun(bootstrap, redisUrl, pipelineEvents, freshnessTrials, () => {});
    done.push(p);
    log(
      `  run ${r + 1}: ${Math.round(p.eventsPerSec)} events/s ingested -> processed exactly-once -> in Redis; ` +
        `freshness p50 ${round(p.freshness.p50)} ms, p99 ${round(p.freshness.p99)} ms; GET /v1/recommendations p50 ${round(p.freshness.recommendP50)} ms`,
    );
  }
  return {
    pipeline_events: pipelineEvents,
    pipeline_events_per_sec: Math.round(median(done.map((p) => p.eventsPerSec))),
    freshness_trials: freshnessTrials,
    freshness_ms: { p50: round(median(done.map((p) => p.freshness.p50))), p99: round(median(done.map((p) => p.freshness.p99))) },
    serving_ms: { p50: round(median(done.map((p) => p.freshness.recommendP50))), p99: round(median(done.map((p) => p.freshness.recommendP99))) },
  };
}

/** The Kafka figure as table rows (name, eddy, Kafka tool, ratio). */
export function kafkaTable(k: Record<string, unknown>): string {
  if ('skipped' in k) return `kafka: skipped (${String(k.skipped)})`;
  const n = (key: string) => (typeof k[key] === 'number' ? Math.round(k[key] as number).toLocaleString('en-US') : '-');
  const x = (key: string) => (typeof k[key] === 'number' ? `${(k[key] as number).toFixed(2)}x` : '-');
  const rows: string[][] = [
    ['Kafka, 1 broker', 'eddy (events/s)', 'Kafka tool (records/s)', 'ratio'],
    ['append (acks=all, idempotent)', n('append_events_per_sec'), `${n('producer_perf_records_per_sec')} ProducerPerformance`, x('append_ratio_to_producer_perf')],
    ['exactly-once consume-transform-produce', n('eos_events_per_sec'), `${n('consumer_perf_records_per_sec')} ConsumerPerformance`, x('eos_ratio_to_consumer_perf')],
    ['', '', `${n('producer_perf_records_per_sec')} ProducerPerformance`, x('eos_ratio_to_producer_perf')],
  ];
  if (typeof k.pipeline_events_per_sec === 'number') {
    const f = k.freshness_ms as { p50: number; p99: number };
    rows.push(
      ['pipeline: ingest -> 2 EOS hops -> Redis', n('pipeline_events_per_sec'), `${n('producer_perf_records_per_sec')} ProducerPerformance`, x('pipeline_ratio_to_producer_perf')],
      ['freshness p50 / p99 (ms)', `${f.p50} / ${f.p99}`, '', ''],
    );
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return `${lines.join('\n')}\n(${n('records')} records of ${n('record_bytes')} B, ${n('partitions')} partitions, median of ${n('runs')} run(s))`;
}
