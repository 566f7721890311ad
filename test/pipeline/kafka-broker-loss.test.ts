/**
 * Broker loss: a 3-broker cluster (replication factor 3, min.insync.replicas 2, acks=all) under an
 * eddy Kafka instance (role all) that takes a stream of unique clicks through POST /v1/events. The
 * broker leading a partition of user_interactions is killed with SIGKILL mid-stream; the client
 * resends whatever was not acknowledged, as any producer would. Every acknowledged event is
 * processed exactly once: each item's click count in the feature store equals the ground truth.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { startKafkaInstance, type KafkaInstance } from '../../src/pipeline/kafka-instance.ts';
import { buildApp } from '../../src/serving/app.ts';
import { ClickStream, countMismatches, servedCounts } from '../support/click-stream.ts';
import { eventually } from '../support/http-client.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { dropPrefix, ensureRedis, testPrefix } from '../support/redis.ts';

const BATCHES = 150;
const BATCH_SIZE = 200;
const ITEMS = 100;
/** The broker dies once this many batches were acknowledged. */
const KILL_AFTER = 40;

let kafka: TestKafka | null = null;
let instance: KafkaInstance | undefined;
let app: FastifyInstance | undefined;
let redisUrl = '';
const redisPrefix = testPrefix('broker-loss');
let killed: number | undefined;

before(async () => {
  redisUrl = await ensureRedis();
  kafka = await withKafka({ brokers: 3 });
});

after(async () => {
  await app?.close();
  await instance?.stop();
  if (killed !== undefined && kafka?.cluster?.alreadyRunning) await kafka.cluster.startBroker(killed); // leave a shared cluster whole
  await kafka?.stop();
  const redis = new Redis(redisUrl);
  await dropPrefix(redis, redisPrefix).finally(() => redis.quit());
});

test('a broker killed mid-stream loses no acknowledged event and counts none twice', { timeout: 300_000 }, async (t) => {
  if (!kafka?.cluster) return t.skip('no Kafka cluster of our own (Java/Maven missing, or an external one that cannot be broken)');
  const cluster = kafka.cluster;
  const run = Date.now().toString(36);
  instance = await startKafkaInstance({
    brokers: kafka.bootstrap,
    redis: redisUrl,
    redisPrefix,
    role: 'all',
    topicPrefix: `brokerloss-${run}-`,
    partitions: 6,
    replicationFactor: 3,
    minInsyncReplicas: 2,
    kafka: { acks: 'all' },
    maxLag: Number.MAX_SAFE_INTEGER,
  });
  app = buildApp({ instance });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });

  // The leader of user_interactions' partition 0: its death forces a leader election under load.
  const md = await instance.log.admin.metadata({ topics: [instance.topics.interactions], forceUpdate: true });
  const victim = md.topics.get(instance.topics.interactions)!.partitions[0].leader;
  assert.ok(victim >= 1 && victim <= 3, `leader of partition 0 is a broker of the cluster (${victim})`);

  const stream = new ClickStream({ prefix: `bl${run}`, batchSize: BATCH_SIZE, items: ITEMS });
  const all = Array.from({ length: BATCHES }, (_, b) => b);
  const acked = new Set<number>();
  let ackedAtKill = 0;
  let killing: Promise<void> | undefined;
  const report = await stream.send(url, all, acked, {
    workers: 4,
    paceMs: 20,
    giveUpMs: 150_000,
    onAck: (n) => {
      if (killing === undefined && n >= KILL_AFTER) {
        ackedAtKill = n;
        killed = victim;
        killing = cluster.killBroker(victim);
      }
    },
  });
  await killing;
  assert.ok(killed !== undefined, 'the broker was killed');
  assert.ok(ackedAtKill < BATCHES, 'the broker died mid-stream');
  assert.equal(acked.size, BATCHES, 'every batch was acknowledged in the end');

  const expected = stream.expectedCounts(acked);
  let served = new Map<string, number>();
  const whole = await eventually(
    async () => {
      served = await servedCounts(url, expected.keys());
      return countMismatches(expected, served).length === 0;
    },
    180_000,
    500,
  );
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const duplicates = Number(/^eddy_events_duplicate_total (\d+)/m.exec(metrics)?.[1] ?? 0);
  console.log(
    `broker ${victim} killed after ${ackedAtKill}/${BATCHES} batches; answers other than 202 meanwhile: ${JSON.stringify(report.refused)}; ` +
      `duplicates reported by ingest: ${duplicates}; processor dropped as duplicates: ${instance.processor?.stats.duplicates ?? 0}`,
  );
  assert.ok(whole, `every item's count matches; differing (served/expected): ${countMismatches(expected, served).slice(0, 10).join(', ')}`);
});
