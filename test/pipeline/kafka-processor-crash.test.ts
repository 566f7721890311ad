// Exactly-once on Kafka under a processor crash: two `eddy start --role process` OS processes share
// the partitions of 200k click events with unique ids; one is killed with SIGKILL mid-stream. The
// survivor takes its partitions over (changelog restore, then the uncommitted rest of the stream
// again), and at the end every item's count and every user's event count in Redis equal the ground
// truth exactly (no loss, no double count), and the exported consumer lag is 0.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RedisFeatureStore } from '../../src/features/redis-store.ts';
import { openKafkaLog } from '../../src/log/kafka/kafka-log.ts';
import type { AppendRecord } from '../../src/log/types.ts';
import { topicNames, topicSpecs } from '../../src/pipeline/topics.ts';
import { eventually } from '../support/http-client.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { startEddyProcess, stopEddyProcess, type EddyProcess } from '../support/process.ts';
import { dropPrefixAt, ensureRedis, testPrefix } from '../support/redis.ts';
import { skipOutsideCi } from '../support/skip.ts';

const EVENTS = 200_000;
const USERS = 20_000;
const ITEMS = 500;
const PARTITIONS = 4;

let kafka: TestKafka | null = null;
let redisUrl: string;
const redisPrefix = testPrefix('processor-crash');
const dir = mkdtempSync(join(tmpdir(), 'eddy-crash-'));
const processes: EddyProcess[] = [];

before(async () => {
  kafka = await withKafka({ brokers: 1 });
  if (kafka) redisUrl = await ensureRedis();
}, { timeout: 240_000 });

after(async () => {
  for (const p of processes) await stopEddyProcess(p);
  if (redisUrl !== undefined) await dropPrefixAt(redisUrl, redisPrefix);
  rmSync(dir, { recursive: true, force: true });
  await kafka?.stop();
});

/** `eddy_<name>` summed over its series, from a Prometheus text page of process `p`. */
async function metric(p: EddyProcess, name: string): Promise<number> {
  let text: string;
  try {
    text = await (await fetch(`${p.url}/metrics`)).text();
  } catch (error) {
    // The process died: what it printed says why.
    throw new Error(`GET /metrics of ${p.url} failed (exit ${p.child.exitCode ?? 'none'}): ${String(error)}\n${p.stderr()}`, { cause: error });
  }
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

test('a processor killed with SIGKILL mid-stream: every count in Redis is exact, lag returns to 0', { timeout: 900_000 }, async (t) => {
  if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
  const prefix = `crash-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  // A short session lets the survivor take over within seconds; the request timeout is also the
  // transaction timeout, after which the broker aborts the killed member's open transaction.
  const config = join(dir, 'eddy.yaml');
  writeFileSync(config, 'kafka:\n  sessionTimeoutMs: 6000\n  heartbeatIntervalMs: 500\n  requestTimeoutMs: 10000\n');
  const env = { EDDY_TOPIC_PREFIX: prefix, EDDY_REDIS_PREFIX: redisPrefix, EDDY_MAX_LAG: String(10 * EVENTS) };
  const args = (id: string) => ['--log', 'kafka', '--brokers', kafka!.bootstrap, '--redis', redisUrl, '--partitions', String(PARTITIONS), '--role', 'process', '--member-id', id, '--config', config];
  const [victim, survivor] = await Promise.all([startEddyProcess(args('p1'), env, 120_000), startEddyProcess(args('p2'), env, 120_000)]);
  processes.push(victim, survivor);

  // The events go straight onto user_interactions, as any producer's would.
  const log = await openKafkaLog({ brokers: kafka.bootstrap });
  const expectedItems = new Map<string, number>();
  const expectedUsers = new Map<string, number>();
  const started = performance.now();
  try {
    await log.ensureTopics(topicSpecs(topics, PARTITIONS));
    const now = Date.now();
    let batch: AppendRecord[] = [];
    for (let n = 0; n < EVENTS; n++) {
      const user = `u${n % USERS}`;
      const item = `c${(n * 7919) % ITEMS}`;
      expectedItems.set(item, (expectedItems.get(item) ?? 0) + 1);
      expectedUsers.set(user, (expectedUsers.get(user) ?? 0) + 1);
      const event = { event_id: `${prefix}e${n}`, user_id: user, session_id: user, timestamp: now + Math.floor(n / 100), event_type: 'click', content_id: item };
      batch.push({ topic: topics.interactions, key: user, value: Buffer.from(JSON.stringify(event)) });
      if (batch.length === 2000) {
        await log.append(batch);
        batch = [];
      }
    }
    await log.append(batch);
    t.diagnostic(`appended ${EVENTS} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // Mid-stream: once the victim has committed a good share of its half, and well before the end.
    const midway = await eventually(async () => (await metric(victim, 'eddy_events_processed_total')) >= EVENTS / 5, 300_000, 100);
    assert.ok(midway, `the victim never got midway: ${victim.stderr()}`);
    const survivorDone = await metric(survivor, 'eddy_events_processed_total');
    const victimDone = await metric(victim, 'eddy_events_processed_total');
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    t.diagnostic(`killed p1 after ${((performance.now() - started) / 1000).toFixed(1)} s (records committed: p1 ${victimDone}, p2 ${survivorDone})`);

    const lagZero = await eventually(async () => (await metric(survivor, 'eddy_consumer_lag')) === 0, 600_000, 500);
    assert.ok(lagZero, `lag stayed above 0: ${await metric(survivor, 'eddy_consumer_lag')}\n${survivor.stderr()}`);
    t.diagnostic(`lag 0 after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await log.close();
  }

  const store = new RedisFeatureStore({ redis: redisUrl, prefix: redisPrefix, commandTimeoutMs: 5000 });
  try {
    const items = [...expectedItems.keys()];
    const users = [...expectedUsers.keys()];
    let wrongItems: string[] = [];
    let wrongUsers: string[] = [];
    const exact = await eventually(
      async () => {
        const states = await store.items(items);
        wrongItems = items.flatMap((id, i) => (states[i]?.total === expectedItems.get(id) ? [] : [`${id} ${states[i]?.total} != ${expectedItems.get(id)}`]));
        const { users: userStates } = await store.readBatch({ users });
        wrongUsers = users.flatMap((id, i) => (userStates[i]?.n === expectedUsers.get(id) ? [] : [`${id} ${userStates[i]?.n} != ${expectedUsers.get(id)}`]));
        return wrongItems.length === 0 && wrongUsers.length === 0;
      },
      60_000,
      500,
    );
    assert.ok(exact, `items off: ${wrongItems.length} (${wrongItems.slice(0, 5).join(', ')}); users off: ${wrongUsers.length} (${wrongUsers.slice(0, 5).join(', ')})`);
    t.diagnostic(`all ${items.length} item counts and ${users.length} user counts exact after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await store.close();
  }
});
