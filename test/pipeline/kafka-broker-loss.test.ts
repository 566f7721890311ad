/**
 * Broker loss: a 3-broker cluster (replication factor 3, min.insync.replicas 2, acks=all) under an
 * eddy Kafka instance (role all) that takes a stream of unique clicks through POST /v1/events. A
 * broker is killed with SIGKILL mid-stream: the coordinator of the processor's consumer group (it
 * also leads partitions of user_interactions, as every broker does). The client resends whatever
 * was not acknowledged (503), as any producer would. Every acknowledged event is processed exactly
 * once: each item's click count equals the ground truth.
 *
 * @platformatic/kafka 1.35 looks a consumer's group coordinator up once per client and never
 * again: the member, failing to heartbeat and commit, replaces its client consumer and
 * transactional producer and joins the group again (KafkaMember.rejoinWithNewClients).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { kGetApi, kGetBootstrapConnection, type Consumer as ClientConsumer } from '@platformatic/kafka';
import { Redis } from 'ioredis';
import { startKafkaInstance, type KafkaInstance } from '../../src/deploy/kafka.ts';
import { describeError } from '../../src/ops/warnings.ts';
import { buildApp } from '../../src/serving/app.ts';
import { ClickStream, countMismatches, servedCounts } from '../support/click-stream.ts';
import { eventually } from '../support/http-client.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { dropPrefix, ensureRedis, testPrefix } from '../support/redis.ts';
import { skipOutsideCi } from '../support/skip.ts';

const BATCHES = 120;
const BATCH_SIZE = 100;
const ITEMS = 60;
/** The broker dies once this many batches were acknowledged. */
const KILL_AFTER = 30;
const MEMBER_ID = 'p1';

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
  // Bounded: a test that failed may leave the instance stuck, and the rest must still be cleaned up.
  await within(30_000, app?.close());
  await within(30_000, instance?.stop());
  if (killed !== undefined && kafka?.cluster?.alreadyRunning) await kafka.cluster.startBroker(killed); // leave a shared cluster whole
  await kafka?.stop();
  const redis = new Redis(redisUrl);
  await dropPrefix(redis, redisPrefix).finally(() => redis.quit());
});

test('a broker killed mid-stream loses no acknowledged event and counts none twice', { timeout: 300_000 }, async (t) => {
  if (!kafka?.cluster) return skipOutsideCi(t, 'no Kafka cluster of our own (Java/Maven missing, or an external one that cannot be broken)');
  const cluster = kafka.cluster;
  const run = Date.now().toString(36);
  const topicPrefix = `brokerloss-${run}-`;
  instance = await startKafkaInstance({
    brokers: kafka.bootstrap,
    redis: redisUrl,
    redisPrefix,
    role: 'all',
    topicPrefix,
    partitions: 6,
    replicationFactor: 3,
    minInsyncReplicas: 2,
    kafka: { acks: 'all' },
    memberId: MEMBER_ID,
    maxLag: Number.MAX_SAFE_INTEGER,
    // What the instance would tell an operator (a failed run then says why processing stopped).
    warn: (message, error) => process.stderr.write(`eddy: ${message}${error === undefined ? '' : `: ${describeError(error)}`}\n`),
  });
  app = buildApp({ instance });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });

  // The victim is the processor group's coordinator; every broker also leads partitions of
  // user_interactions (its death forces leader elections under load).
  const group = `${topicPrefix}eddy-processor`; // as startKafkaInstance names it
  const groupCoordinator = await coordinatorOf(instance.log.offsets, group, 0);
  const txnCoordinator = await coordinatorOf(instance.log.offsets, `${group}-${MEMBER_ID}`, 1);
  const md = await instance.log.admin.metadata({ topics: [instance.topics.interactions], forceUpdate: true });
  const leads = new Map<number, number>([1, 2, 3].map((id) => [id, 0]));
  for (const p of md.topics.get(instance.topics.interactions)!.partitions) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
  const victim = groupCoordinator;

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
  const members = [...(instance.log as unknown as { members: Set<{ clientReplacements: number }> }).members];
  console.log(
    `broker ${victim} (group coordinator${victim === txnCoordinator ? ', transaction coordinator' : ''}) (leader of ${leads.get(victim)} of ${md.topics.get(instance.topics.interactions)!.partitionsCount} partitions) killed after ${ackedAtKill}/${BATCHES} batches; answers other than 202 meanwhile: ${JSON.stringify(report.refused)}; ` +
      `duplicates reported by ingest: ${duplicates}; processor dropped as duplicates: ${instance.processor?.stats.duplicates ?? 0}; ` +
      `dead-lettered: ${instance.processor?.stats.deadLettered ?? 0}; late: ${instance.processor?.stats.late ?? 0}; processed: ${instance.processor?.stats.processed ?? 0}; ` +
      `member clients replaced: ${members.map((m) => m.clientReplacements).join(',')}`,
  );
  assert.deepEqual(Object.keys(report.refused).filter((s) => s !== '503'), [], `refusals were 503 (retry later), not errors: ${JSON.stringify(report.lastRefusal)}`);
  assert.ok(whole, `every item's count matches; differing (served/expected): ${countMismatches(expected, served).slice(0, 10).join(', ')}`);
});

type Cb<T> = (error: Error | null, result?: T) => void;

/** The coordinator broker of a group (keyType 0) or a transactional id (keyType 1). */
async function coordinatorOf(client: ClientConsumer, key: string, keyType: 0 | 1): Promise<number> {
  const internals = client as unknown as {
    [kGetBootstrapConnection](cb: Cb<unknown>): void;
    [kGetApi](name: string, cb: Cb<(...args: unknown[]) => void>): void;
  };
  const call = <T>(fn: (cb: Cb<T>) => void) => new Promise<T>((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r as T))));
  const connection = await call<unknown>((cb) => internals[kGetBootstrapConnection](cb));
  const api = await call<(...args: unknown[]) => void>((cb) => internals[kGetApi]('FindCoordinator', cb));
  const response = await call<{ coordinators: { key: string; nodeId: number }[] }>((cb) => api(connection, keyType, [key], cb));
  return response.coordinators.find((c) => c.key === key)!.nodeId;
}

/** Waits for `work` at most `ms`. */
async function within(ms: number, work: Promise<unknown> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work?.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
