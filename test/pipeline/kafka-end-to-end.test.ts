// The end-to-end scenario of the embedded deployment (test/support/e2e-scenario.ts), unchanged,
// against the distributed one: a 1-broker Kafka, Redis, and eddy's three roles as separate OS
// processes (`eddy start --log kafka --role ingest|process|serve`). Writes go to ingest, reads to
// serve; the processor is reachable only through Kafka and Redis.
import { after, before, describe, it } from 'node:test';
import { runEndToEndScenario } from '../support/e2e-scenario.ts';
import { routedClient, urlClient } from '../support/http-client.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { startEddyProcess, stopEddyProcess, type EddyProcess } from '../support/process.ts';
import { dropPrefixAt, ensureRedis, testPrefix } from '../support/redis.ts';
import { skipOutsideCi } from '../support/skip.ts';

describe('Kafka + Redis deployment with separate ingest, process and serve processes, end to end', () => {
  let kafka: TestKafka | null = null;
  let redisUrl: string;
  let redisPrefix: string;
  const processes: EddyProcess[] = [];
  let ingest: EddyProcess;
  let serve: EddyProcess;

  before(async () => {
    kafka = await withKafka({ brokers: 1 });
    if (!kafka) return;
    redisUrl = await ensureRedis();
    redisPrefix = testPrefix('kafka-e2e');
    const env = { EDDY_TOPIC_PREFIX: `e2e-${Date.now().toString(36)}.`, EDDY_REDIS_PREFIX: redisPrefix };
    const args = (role: string) => ['--log', 'kafka', '--brokers', kafka!.bootstrap, '--redis', redisUrl, '--partitions', '4', '--role', role];
    // The processor first: it creates the topics and its changelogs and bootstraps the catalogue.
    processes.push(await startEddyProcess(args('process'), env, 90_000));
    [ingest, serve] = await Promise.all([startEddyProcess(args('ingest'), env, 90_000), startEddyProcess(args('serve'), env, 90_000)]);
    processes.push(ingest, serve);
  }, { timeout: 300_000 });

  after(async () => {
    for (const p of processes) await stopEddyProcess(p);
    if (redisUrl !== undefined) await dropPrefixAt(redisUrl, redisPrefix);
    await kafka?.stop();
  });

  it('serves live recommendations that follow the events', { timeout: 120_000 }, async (t) => {
    if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
    await runEndToEndScenario(routedClient(urlClient(ingest.url), urlClient(serve.url)), t);
  });
});
