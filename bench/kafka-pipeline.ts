/**
 * The whole pipeline on Kafka + Redis (`startKafkaInstance`, role all): events/s from ingest until
 * processed with exactly-once (two transactional hops: user_interactions, then content_clicks) and
 * published to Redis, and freshness (POST answered -> visible in GET /v1/recommendations, served
 * from Redis). Each run starts a new instance on new topics and a new Redis key prefix.
 */
import { Redis } from 'ioredis';
import { startKafkaInstance } from '../src/deploy/kafka.ts';
import { freshnessOf, type FreshnessRun } from './freshness.ts';
import { throughputOf } from './pipeline-throughput.ts';
import { syntheticEvents } from './synthetic-events.ts';
import { dropPrefixAt } from '../test/support/redis.ts';

export interface KafkaPipelineRun {
  readonly eventsPerSec: number;
  readonly freshness: FreshnessRun;
}

/** The Redis URL to use (`EDDY_BENCH_REDIS_URL`, default the local one), or undefined when none answers. */
export async function benchRedis(): Promise<string | undefined> {
  const url = process.env.EDDY_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

export async function kafkaPipelineRun(bootstrap: string, redisUrl: string, events: number, trials: number, log: (s: string) => void): Promise<KafkaPipelineRun> {
  const run = Date.now().toString(36);
  const redisPrefix = `eddy-bench:${run}:`;
  const instance = await startKafkaInstance({ brokers: bootstrap, redis: redisUrl, redisPrefix, role: 'all', topicPrefix: `bench-${run}-`, maxLag: Number.MAX_SAFE_INTEGER });
  try {
    const eventsPerSec = await throughputOf(instance, syntheticEvents(events, { prefix: `kp${run}` }), log, 600_000);
    const freshness = await freshnessOf(instance, trials, { timeoutMs: 10_000 });
    return { eventsPerSec, freshness };
  } finally {
    await instance.stop();
    await dropPrefixAt(redisUrl, redisPrefix);
  }
}
