// The Log contract on a real 1-broker Kafka (scripts/kafka/cluster.js, or EDDY_TEST_KAFKA_BOOTSTRAP).
// Skips only outside CI when Java/Maven are missing; with CI=true withKafka() throws instead.
import { after, before, test } from 'node:test';
import { openKafkaLog } from '../../src/log/kafka/kafka-log.ts';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { runLogContract } from './contract.ts';
import { skipOutsideCi } from '../support/skip.ts';

let kafka: TestKafka | null = null;
before(async () => {
  kafka = await withKafka({ brokers: 1 });
}, { timeout: 240_000 });
after(() => kafka?.stop());

test('the Kafka log satisfies the Log contract', { timeout: 300_000 }, async (t) => {
  if (!kafka) return skipOutsideCi(t, 'no Java/Maven for a local Kafka');
  const brokers = kafka.bootstrap;
  // Short heartbeats so that rebalances in the tests settle quickly.
  await runLogContract('kafka', () => openKafkaLog({ brokers, heartbeatIntervalMs: 300, sessionTimeoutMs: 6000 }), t);
});
