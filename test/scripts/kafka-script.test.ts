// The development Kafka of scripts/kafka.js is real: a 1-node KRaft cluster starts, and Kafka's
// own TopicCommand can create a 12-partition topic on it and list it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runJavaTool } from '../../scripts/kafka/cluster.js';
import { withKafka, type TestKafka } from '../support/kafka.ts';
import { skipOutsideCi } from '../support/skip.ts';

describe('scripts/kafka.js cluster', { timeout: 240_000 }, () => {
  let kafka: TestKafka | null = null;
  before(async () => {
    kafka = await withKafka({ brokers: 1 });
  });
  after(async () => {
    await kafka?.stop();
  });

  it('prints a loopback bootstrap on the 1-node test port', (t) => {
    if (!kafka) return skipOutsideCi(t, 'Kafka unavailable (no Java/Maven)');
    if (!kafka.cluster) return skipOutsideCi(t, 'reusing EDDY_TEST_KAFKA_BOOTSTRAP');
    assert.equal(kafka.bootstrap, '127.0.0.1:19092');
    assert.equal(kafka.cluster.brokers, 1);
  });

  it('creates and lists a topic with 12 partitions', async (t) => {
    if (!kafka) return skipOutsideCi(t, 'Kafka unavailable (no Java/Maven)');
    const topic = `eddy-script-test-${process.pid}-${Date.now()}`;
    const tool = (...args: string[]) =>
      runJavaTool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', kafka!.bootstrap, ...args], {
        quickStart: true,
        timeoutMs: 60_000,
      });

    const created = await tool('--create', '--topic', topic, '--partitions', '12', '--replication-factor', '1');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`Created topic ${topic}`));

    const listed = await tool('--list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.split('\n').includes(topic), `topic missing from --list:\n${listed.stdout}`);

    const described = await tool('--describe', '--topic', topic);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /PartitionCount: 12\b/);
    assert.equal(described.stdout.match(/\tPartition: \d+/g)?.length, 12);
  });
});
